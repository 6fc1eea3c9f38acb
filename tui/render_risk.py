"""Pure render of the risk pane: every limit as a bar of used against allowed.

A bar reads without colour: `█` is used, `░` is room left, and a crossed limit is marked `⚠`
(near one, within 80 %, `!`), as well as coloured.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

from traderagent.domain import Balance
from traderagent.facade import BotSnapshot, EngineSnapshot, RiskLimitView

NEAR = 0.8
"""Share of a limit from which its bar is marked as near."""


def bar(ratio: float, width: int) -> str:
    """`█████░░░░░`: `ratio` of `width` cells filled (a crossed limit fills the bar)."""
    filled = round(min(max(ratio, 0.0), 1.0) * width)
    return "█" * filled + "░" * (width - filled)


def _figure(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "orders":
        return f"{value:.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.6f}"


def limit_line(view: RiskLimitView, width: int) -> Text:
    """`⚠ daily loss   ██████████  512.30/500 USDT 102%` in `width` cells."""
    ratio = view.ratio
    if view.breached:
        mark, style = "⚠", "bold red"
    elif ratio >= NEAR:
        mark, style = "!", "bold yellow"
    else:
        mark, style = "✓", "green"
    unit = "" if view.unit in ("%", "orders") else f" {view.unit}"
    figures = f" {_figure(view.used, view.unit)}/{_figure(view.allowed, view.unit)}{unit}"
    percent = f" {ratio * 100:4.0f}%"
    label = f"{mark} {view.label:<16} "
    room = min(max(width - len(label) - len(percent) - 24, 4), 30)
    return Text.assemble(
        (label, style if view.breached else ""),
        (bar(ratio, room), style),
        (percent, style),
        figures,
    )


def balance_line(balance: Balance) -> Text:
    """`USDT   6,735.54 free   1,200.00 locked`: locked is what resting orders hold."""
    return Text.assemble(
        f"  {balance.asset:<6}{_figure(balance.free, ''):>14} free",
        (f" {_figure(balance.locked, ''):>12} locked", "" if balance.locked else "dim"),
    )


def budget_view(bot: BotSnapshot) -> RiskLimitView | None:
    """The bot's budget as a bar: what it committed (position at cost plus resting buys) of
    what the capital allocator lets it commit. Not a limit that halts: never `breached`."""
    if bot.budget is None:
        return None
    return RiskLimitView(bot.name, "budget", "budget", bot.committed, bot.budget, bot.quote)


def risk_views(snapshot: EngineSnapshot) -> list[RiskLimitView]:
    """The account's limits, then each bot's limits followed by its budget."""
    views = [v for v in snapshot.risk_limits if not v.owner]
    for bot in snapshot.bots:
        views.extend(v for v in snapshot.risk_limits if v.owner == bot.name)
        budget = budget_view(bot)
        if budget is not None:
            views.append(budget)
    known = {bot.name for bot in snapshot.bots}
    views.extend(v for v in snapshot.risk_limits if v.owner and v.owner not in known)
    return views


def risk_text(
    limits: Sequence[RiskLimitView], width: int, balances: Sequence[Balance] = ()
) -> Text:
    """The account's balances (free and locked) and limits first, then each bot's limits and
    budget, under a title line per owner."""
    lines: list[Text] = []
    if balances:
        lines.append(Text("Account", style="bold underline"))
        lines.extend(balance_line(balance) for balance in balances)
    if not any(view.limit != "budget" for view in limits):
        lines.append(Text("no risk limits configured (see `risk:` in the config)", style="dim"))
    owner: str | None = "" if balances else None
    for view in limits:
        if view.owner != owner:
            owner = view.owner
            lines.append(Text(owner or "Account", style="bold underline"))
        lines.append(limit_line(view, width))
    breached = [v for v in limits if v.breached]
    if breached:
        names = ", ".join(f"{v.owner + ' ' if v.owner else ''}{v.limit}" for v in breached)
        lines.insert(0, Text(f"⚠ BREACHED: {names}", style="bold reverse red"))
    return Text("\n").join(lines)


def breached_count(limits: Sequence[RiskLimitView]) -> int:
    return sum(1 for view in limits if view.breached)
