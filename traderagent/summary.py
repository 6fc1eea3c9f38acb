"""Plain-text rendering of a run summary for the terminal (no colour, no UI library)."""

from __future__ import annotations

from decimal import Decimal

from traderagent.clock import format_ts
from traderagent.domain import BotState
from traderagent.facade import RunSummary

WHY = {BotState.EMERGENCY: "halted", BotState.PAUSED: "paused"}
"""States whose reason the summary prints under the table."""


def money(value: Decimal, places: int = 2) -> str:
    return f"{value:,.{places}f}"


def render_summary(summary: RunSummary) -> str:
    pnl = summary.final_equity - summary.starting_equity
    lines = [
        "TraderAgent run summary",
        _period(summary),
        f"  stopped by     {summary.reason}",
        f"  orders placed  {summary.orders_placed:,}",
        f"  rejected       {summary.orders_rejected:,}"
        + (" (refused by the venue; each reason is in the log)" if summary.orders_rejected else ""),
        *(
            [
                f"  not sent       {summary.allocator_refused:,} (refused by the capital allocator:"
                " no capital left; each reason is in the log)"
            ]
            if summary.allocator_refused
            else []
        ),
        f"  fills          {summary.fills:,}",
        f"  fees           {money(summary.fees, 4)}",
        *([f"  funding        {money(summary.funding, 4)}"] if summary.funding else []),
        f"  realised PnL   {money(summary.realised_pnl, 4)}",
        _equity(summary, pnl),
    ]
    if summary.drawdown_pct is not None:
        lines.append(f"  drawdown       {summary.drawdown_pct:.2f} % from the equity peak")
    if summary.database:
        lines.append(f"  database       {summary.database}")
    lines.append("")
    header = (
        f"  {'bot':<20} {'state':<10} {'orders':>7} {'rejected':>8} {'fills':>6} {'fees':>10}"
        f" {'realised':>11}"
    )
    lines.append(header)
    for bot in summary.bots:
        lines.append(
            f"  {bot.name:<20} {bot.state:<10} {bot.orders_placed:>7,}"
            f" {bot.orders_rejected:>8,} {bot.fills:>6,}"
            f" {money(bot.fees, 4):>10} {money(bot.realised_pnl, 4):>11}"
        )
    for bot in summary.bots:  # the operator must see why a bot halted or paused
        verb = WHY.get(bot.state)
        if verb and bot.state_reason:
            lines.append(f"  {bot.name} {verb}: {bot.state_reason}")
    return "\n".join(lines)


def _since(summary: RunSummary) -> str:
    """Where the PnL counts from, when that is before this run (a restarted account)."""
    if summary.since_ms and summary.since_ms < summary.started_ms:
        return f" since {format_ts(summary.since_ms)} UTC"
    return ""


def _period(summary: RunSummary) -> str:
    if not summary.candles:  # no candle came: there is no first one to date the run from
        return (
            f"  period         no candle in this run (clock at {format_ts(summary.ended_ms)} UTC)"
        )
    return (
        f"  period         {format_ts(summary.started_ms)} -> {format_ts(summary.ended_ms)} UTC"
        f" ({summary.candles:,} candles)"
    )


def _equity(summary: RunSummary, pnl: Decimal) -> str:
    start = f"  equity         {money(summary.starting_equity)} -> "
    if summary.unpriced:  # a holding with no price is not worth 0: the figure is not known
        held = ", ".join(summary.unpriced)
        return start + f"not known ({held} held and no price seen yet)"
    return (
        start
        + f"{money(summary.final_equity)} ({'+' if pnl >= 0 else ''}{money(pnl)}){_since(summary)}"
    )
