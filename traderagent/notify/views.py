"""Replies that show the engine: `/status`, `/bots` and `/balance`, rendered from a snapshot."""

from __future__ import annotations

from collections import Counter

from traderagent.clock import format_ts
from traderagent.domain import ZERO, BotState
from traderagent.facade import EngineSnapshot
from traderagent.notify.formatting import count, money, percent, price, qty, signed, state


def status_text(snap: EngineSnapshot) -> str:
    """Mode, venue, engine time, equity and PnL, drawdown, bots by state and any halt."""
    pct = snap.pnl / snap.starting_equity * 100 if snap.starting_equity else ZERO
    lines = [
        f"TraderAgent {snap.mode.value} · {snap.venue} · {format_ts(snap.clock_ms)} UTC",
        f"equity {money(snap.equity)} · PnL {signed(snap.pnl)} ({signed(pct)}%)",
    ]
    risk = []
    if snap.day_pnl is not None:
        risk.append(f"day {signed(snap.day_pnl)}")
    if snap.drawdown_pct is not None:
        limit = snap.drawdown_limit_pct
        risk.append(
            f"drawdown {percent(snap.drawdown_pct)}"
            + (f" of {percent(limit, 0)}" if limit is not None else "")
        )
    if risk:
        lines.append(" · ".join(risk))
    counts = Counter(bot.state for bot in snap.bots)
    by_state = ", ".join(f"{n} {s.value.lower()}" for s, n in sorted(counts.items()))
    lines.append(f"bots: {by_state or 'none'} · open orders {len(snap.open_orders)}")
    for bot in snap.bots:
        if bot.state is BotState.EMERGENCY:
            lines.append(f"⚠ {bot.name} EMERGENCY: {bot.state_reason or 'halted'}")
    if snap.venue_status:
        lines.append(f"venue: {snap.venue_status}")
    if snap.finished:
        lines.append("the engine has finished (replay data ended or shut down)")
    return "\n".join(lines)


def bots_text(snap: EngineSnapshot) -> str:
    """One block per bot: state, position, last price, PnL, fills and open orders."""
    if not snap.bots:
        return "No bots configured."
    blocks = []
    for bot in snap.bots:
        lines = [f"{bot.name} · {bot.symbol} · {bot.strategy} · {state(bot)}"]
        if bot.position_qty:
            lines.append(f"  position {qty(bot.position_qty)} @ {price(bot.avg_price)}")
        if bot.last_price is not None:
            lines.append(f"  last {price(bot.last_price)}")
        lines.append(
            f"  PnL realised {signed(bot.realised_pnl)} · unrealised {signed(bot.unrealised_pnl)}"
        )
        lines.append(f"  {count(bot.fills, 'fill')} · {count(bot.open_orders, 'open order')}")
        if bot.state_reason and bot.state in (BotState.EMERGENCY, BotState.PAUSED):
            lines.append(f"  why: {bot.state_reason}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def balance_text(snap: EngineSnapshot) -> str:
    """Equity against the start, today's PnL, each asset held, and each bot's position at its
    last price."""
    pct = snap.pnl / snap.starting_equity * 100 if snap.starting_equity else ZERO
    lines = [
        f"equity {money(snap.equity)} (start {money(snap.starting_equity)})",
        f"PnL {signed(snap.pnl)} ({signed(pct)}%)",
    ]
    if snap.day_pnl is not None:
        lines.append(f"today {signed(snap.day_pnl)}")
    for balance in snap.balances:
        if balance.total:
            in_orders = f" ({qty(balance.locked)} in orders)" if balance.locked else ""
            lines.append(f"{balance.asset} {qty(balance.total)}{in_orders}")
    held = [bot for bot in snap.bots if bot.position_qty]
    if not held:
        lines.append("no open positions")
    for bot in held:
        mark = bot.last_price if bot.last_price is not None else bot.avg_price
        lines.append(
            f"{bot.name}: {qty(bot.position_qty)} {bot.symbol} @ {price(bot.avg_price)}"
            f" ≈ {money(bot.position_qty * mark)} (unrealised {signed(bot.unrealised_pnl)})"
        )
    return "\n".join(lines)
