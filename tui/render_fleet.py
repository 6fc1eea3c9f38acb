"""The fleet pane's rows: every bot of the daemons sharing one database, and where it runs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from traderagent.api.fleet_view import FleetView
from traderagent.domain import BotState
from tui.render import STATE_LABELS, TableRow

FLEET_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("bot", "Bot", False),
    ("where", "Where", False),
    ("state", "State", False),
    ("lease", "Lease", True),
    ("generation", "Gen", True),
)
"""(column key, header, right-aligned) for the fleet table."""


def where(view: FleetView) -> Text:
    """The daemon that runs the bot: `host pid N`, `(this daemon)` for the one attached to."""
    if not view.holder:
        return Text("nobody yet", style="dim")
    place = f"{view.host} pid {view.pid}" if view.pid is not None else view.holder
    if view.here:
        return Text(f"{place} (this daemon)", style="bold")
    return Text(place)


def lease(view: FleetView) -> Text:
    """Seconds left on the lease, or `expired` (its daemon stopped renewing: it moves)."""
    if not view.holder:
        return Text("")
    if not view.live:
        return Text("expired", style="bold yellow")
    return Text(f"{view.expires_in_ms / 1000:.0f} s")


def state(view: FleetView) -> Text:
    try:
        symbol, style = STATE_LABELS[BotState(view.state)]
    except ValueError:
        return Text(view.state or "?", style="dim")
    return Text(f"{symbol} {view.state}", style=style)


def fleet_rows(views: Sequence[FleetView]) -> list[TableRow]:
    """One row per bot, by name, keyed by it."""
    return [
        (v.bot, (Text(v.bot), where(v), state(v), lease(v), generation(v)))
        for v in sorted(views, key=lambda v: v.bot)
    ]


def generation(view: FleetView) -> Text:
    """How many daemons have run the bot ('' before the first)."""
    return Text(str(view.generation) if view.holder else "", justify="right")
