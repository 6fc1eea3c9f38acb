"""Pure render of the fills and positions tables: snapshots in, table rows out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from traderagent.clock import format_ts
from traderagent.domain import Fill
from traderagent.facade import BotSnapshot
from tui.render import (
    TableRow,
    fill_fee_text,
    money,
    position_text,
    price_text,
    qty_text,
    side_label,
    signed_money,
)

FILL_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("time", "Time (UTC)", False),
    ("bot", "Bot", False),
    ("side", "Side", False),
    ("price", "Price", True),
    ("qty", "Qty", True),
    ("fee", "Fee", True),
    ("tag", "Tag", False),
)
"""(column key, header, right-aligned) for the recent fills table."""

POSITION_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("bot", "Bot", False),
    ("symbol", "Symbol", False),
    ("qty", "Qty", True),
    ("avg", "Avg price", True),
    ("last", "Last", True),
    ("value", "Value", True),
    ("unrealised", "Unreal.", True),
    ("realised", "Realised", True),
    ("liq", "Liq.", True),
)
"""(column key, header, right-aligned) for the positions table."""

LIQUIDATION_STYLES = {"warning": "bold yellow", "danger": "bold white on red"}
"""A position row's style when the mark nears its liquidation price (`risk.
liquidation_warning_pct`: warning within it, danger within half)."""


def liquidation_text(bot: BotSnapshot) -> str:
    """`18,100.00 (4.8%)`: the liquidation price and the mark's distance from it; `—`."""
    if bot.liquidation_price is None:
        return "—"
    distance = bot.liquidation_distance_pct
    gap = f" ({distance:.1f}%)" if distance is not None else ""
    return f"{money(bot.liquidation_price)}{gap}"


def _right(text: str | Text) -> Text:
    cell = Text(text) if isinstance(text, str) else text.copy()
    cell.justify = "right"
    return cell


def fill_rows(fills: Sequence[Fill]) -> list[TableRow]:
    """Recent fills, newest first, keyed by fill id, each with its date and time."""
    return [
        (
            fill.fill_id,
            (
                Text(format_ts(fill.ts)),  # a date too: fills outlive a day
                Text(fill.bot),
                side_label(fill.side),
                _right(price_text(fill.price)),
                _right(qty_text(fill.qty)),
                _right(fill_fee_text(fill)),
                Text(fill.tag),
            ),
        )
        for fill in sorted(fills, key=lambda f: f.ts, reverse=True)
    ]


def position_rows(bots: Sequence[BotSnapshot]) -> list[TableRow]:
    """One row per bot holding something (or that has traded), keyed by bot name."""
    rows: list[TableRow] = []
    for bot in bots:
        if not bot.position_qty and not bot.realised_pnl:
            continue
        value = bot.position_qty * bot.last_price if bot.last_price is not None else None
        cells = (
            Text(bot.name, style="bold"),
            Text(bot.symbol),
            _right(position_text(bot)),
            _right(money(bot.avg_price) if bot.position_qty else "—"),
            _right(price_text(bot.last_price) if bot.last_price is not None else "—"),
            _right(money(value) if value is not None else "—"),
            _right(signed_money(bot.unrealised_pnl)),
            _right(signed_money(bot.realised_pnl)),
            _right(liquidation_text(bot)),
        )
        style = LIQUIDATION_STYLES.get(bot.liquidation_level)
        if style is not None:  # the whole row: the operator sees it from across the room
            for cell in cells:
                cell.stylize(style)
        rows.append((bot.name, cells))
    return rows
