"""Pure render of the risk pane: every limit as a bar of used against allowed.

A bar reads without colour: `█` is used, `░` is room left, and a crossed limit is marked `⚠`
(near one, within 80 %, `!`), as well as coloured.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

from traderagent.facade import RiskLimitView

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


def risk_text(limits: Sequence[RiskLimitView], width: int) -> Text:
    """The account's limits first, then each bot's, under a title line per owner."""
    if not limits:
        return Text("no risk limits configured (see `risk:` in the config)", style="dim")
    lines: list[Text] = []
    owner: str | None = None
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
