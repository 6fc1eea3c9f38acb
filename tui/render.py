"""Pure render helpers: engine snapshots in, rich `Text` and table rows out.

Every pane draws from these, so what the operator sees can be unit tested without a terminal.
Numbers always carry a sign or a symbol as well as a colour, so the screen reads under NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from rich.text import Text

from traderagent.clock import format_ts
from traderagent.domain import BotState, Fill, Order, Regime, Side, TradingMode
from traderagent.facade import BotSnapshot, EngineSnapshot
from tui.render_regime import REGIME_STYLES

TableRow = tuple[str, tuple[Text, ...]]
"""A table row as (row key, cells)."""

SEPARATOR = " │ "

STATE_LABELS: dict[BotState, tuple[str, str]] = {
    BotState.RUNNING: ("▶", "bold green"),
    BotState.PAUSED: ("⏸", "yellow"),
    BotState.STOPPED: ("■", "dim"),
    BotState.STARTING: ("↻", "cyan"),
    BotState.STOPPING: ("◼", "cyan"),
    BotState.EMERGENCY: ("⚠", "bold red"),
    BotState.FINISHED: ("✔", "bold"),
}

MODE_STYLES: dict[TradingMode, str] = {
    TradingMode.LIVE: "bold reverse red",
    TradingMode.DEMO: "bold yellow",
    TradingMode.PAPER: "bold cyan",
    TradingMode.REPLAY: "bold cyan",
}


def money(value: Decimal) -> str:
    """`12,345.67`: two decimals, thousands separated."""
    return f"{value:,.2f}"


def signed_money(value: Decimal) -> Text:
    """`+12.35` green, `-3.20` red, `0.00` plain: the sign makes it readable without colour."""
    rounded = value.quantize(Decimal("0.01"))
    if rounded > 0:
        return Text(f"{rounded:+,.2f}", style="green")
    if rounded < 0:
        return Text(f"{rounded:+,.2f}", style="red")
    return Text("0.00")


def price_text(price: Decimal | None) -> str:
    """A price as quantised by the venue (`22,150.00`); a market order has none."""
    return "market" if price is None else f"{price:,f}"


def qty_text(qty: Decimal) -> str:
    return f"{qty:f}"


def position_text(bot: BotSnapshot) -> str:
    """A bot's position as every pane shows it (bots table, bot pane, positions): the same
    figure with the same rounding."""
    return qty_text(bot.position_qty)


def fee_text(fee: Decimal) -> str:
    """Up to six decimals without trailing zeros: `0.019`."""
    trimmed = fee.quantize(Decimal("0.000001")).normalize()
    return f"{trimmed:f}"


def fill_fee_text(fill: Fill) -> str:
    """A fill's fee: in quote as `fee_text`; one in the base coin (a spot buy) in full, with its
    coin (`0.000004761 BTC`), as six decimals would round it away."""
    if fill.fee_in_base:
        return f"{fill.fee.normalize():f} {fill.fee_asset}"
    return fee_text(fill.fee)


def state_label(state: BotState) -> Text:
    symbol, style = STATE_LABELS.get(state, ("?", ""))
    return Text(f"{symbol} {state.value}", style=style)


def side_label(side: Side) -> Text:
    return Text(side.name, style="green" if side is Side.BUY else "red")


def _right(text: str | Text) -> Text:
    cell = Text(text) if isinstance(text, str) else text.copy()
    cell.justify = "right"
    return cell


# -- header -------------------------------------------------------------------------------


def connection_text(snapshot: EngineSnapshot) -> Text:
    """The venue connection: a warning while it struggles, else connected / not started."""
    if snapshot.venue_status:
        return Text(f"⚠ {snapshot.venue_status}", style="bold yellow")
    if snapshot.running:
        return Text("● connected", style="green")
    if snapshot.finished:
        return Text("○ closed", style="dim")
    return Text("○ not started", style="dim")


def drawdown_text(snapshot: EngineSnapshot) -> Text | None:
    """`DD 1.20%/15%`: the drawdown against the limit that halts everything, marked near it."""
    if snapshot.drawdown_pct is None:
        return None
    dd = snapshot.drawdown_pct
    limit = snapshot.drawdown_limit_pct
    if limit is None:
        return Text(f"DD {dd:.1f}% (no limit)")
    ratio = dd / limit if limit else Decimal(0)
    if ratio >= 1:
        return Text(f"⚠ DD {dd:.1f}%/{limit}%", style="bold reverse red")
    if ratio >= Decimal("0.8"):
        return Text(f"! DD {dd:.1f}%/{limit}%", style="bold yellow")
    return Text(f"DD {dd:.1f}%/{limit}%")


def header_parts(snapshot: EngineSnapshot, title: str) -> tuple[list[Text], list[Text]]:
    """(what is running, where it stands): the two halves of the header."""
    what = [
        Text(title, style="bold"),
        Text(snapshot.mode.value, style=MODE_STYLES.get(snapshot.mode, "bold")),
        Text.assemble(snapshot.venue, " ", connection_text(snapshot)),
        Text(f"{format_ts(snapshot.clock_ms)} UTC"),
    ]
    if not snapshot.equity_valued:  # not 0, not -100 %: not known until the first price
        where = [Text("equity, PnL: waiting for prices", style="dim")]
        if snapshot.replay_progress is not None and not snapshot.finished:
            where.append(Text(f"replay {snapshot.replay_progress * 100:.0f}%"))
        return what, where
    pnl = snapshot.pnl
    pnl_text = Text("PnL ").append_text(signed_money(pnl))
    if snapshot.starting_equity:
        pct = pnl / snapshot.starting_equity * 100
        pnl_text.append(f" ({pct:+.2f}%)", style="green" if pct > 0 else "red" if pct < 0 else "")
    where = [Text(f"equity {money(snapshot.equity)}"), pnl_text]
    if snapshot.day_pnl is not None:
        where.append(Text("day ").append_text(signed_money(snapshot.day_pnl)))
    drawdown = drawdown_text(snapshot)
    if drawdown is not None:
        where.append(drawdown)
    if snapshot.finished:
        where.append(Text("■ finished", style="bold"))
    elif snapshot.replay_progress is not None:
        where.append(Text(f"replay {snapshot.replay_progress * 100:.0f}%"))
    return what, where


def _join(parts: Sequence[Text]) -> Text:
    return Text(SEPARATOR, style="dim").join(parts)


def _flow(parts: Sequence[Text], width: int) -> list[Text]:
    """Parts joined by separators, starting a new line where the next part would not fit."""
    lines: list[list[Text]] = [[]]
    used = 0
    for part in parts:
        extra = part.cell_len + (len(SEPARATOR) if lines[-1] else 0)
        if lines[-1] and used + extra > width:
            lines.append([])
            used, extra = 0, part.cell_len
        lines[-1].append(part)
        used += extra
    return [_join(line) for line in lines]


def header_text(snapshot: EngineSnapshot, title: str, width: int) -> Text:
    """One line when it fits in `width` cells; otherwise what is running, then where it stands
    (each wrapped between parts if need be), so nothing is cut off at 80 columns."""
    what_parts, where_parts = header_parts(snapshot, title)
    what, where = _join(what_parts), _join(where_parts)
    if what.cell_len + where.cell_len + 3 <= width:
        gap = width - what.cell_len - where.cell_len
        return Text.assemble(what, " " * gap, where)
    return Text("\n").join([*_flow(what_parts, width), *_flow(where_parts, width)])


# -- bots and orders ----------------------------------------------------------------------

BOT_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("name", "Bot", False),
    ("symbol", "Symbol", False),
    ("strategy", "Strategy", False),
    ("regime", "Regime", False),
    ("state", "State", False),
    ("position", "Position", True),
    ("unrealised", "Unreal.", True),
    ("realised", "Realised", True),
)
"""(column key, header, right-aligned) for the bots table."""

ORDER_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("bot", "Bot", False),
    ("side", "Side", False),
    ("price", "Price", True),
    ("qty", "Qty", True),
    ("status", "Status", False),
    ("tag", "Tag", False),
)
"""(column key, header, right-aligned) for the open orders table."""


REGIME_SHORT: dict[Regime, str] = {
    Regime.TIGHT_RANGE: "TIGHT",
    Regime.WIDE_RANGE: "WIDE",
    Regime.QUIET_TRANSITION: "QUIET",
    Regime.VOLATILE_TRANSITION: "VOLAT",
    Regime.BULL_TREND: "BULL",
    Regime.BEAR_TREND: "BEAR",
}


def short_regime(regime: Regime | None, known: bool = True) -> Text:
    """`▲ BULL`: the bots table's regime cell; `…` while warming up, `—` with no classifier."""
    if not known:
        return Text("—", style="dim")
    if regime is None:
        return Text("…", style="dim")
    symbol, style = REGIME_STYLES[regime]
    return Text(f"{symbol} {REGIME_SHORT[regime]}", style=style)


def symbol_regimes(snapshot: EngineSnapshot) -> dict[str, Regime | None]:
    return {view.reading.symbol: view.reading.regime for view in snapshot.regimes}


def bot_row(bot: BotSnapshot, regimes: Mapping[str, Regime | None] | None = None) -> TableRow:
    regimes = regimes or {}
    return bot.name, (
        Text(bot.name, style="bold"),
        Text(bot.symbol),
        Text(bot.strategy),
        short_regime(regimes.get(bot.symbol), bot.symbol in regimes),
        state_label(bot.state),
        _right(position_text(bot)),
        _right(signed_money(bot.unrealised_pnl)),
        _right(signed_money(bot.realised_pnl)),
    )


def bot_rows(snapshot: EngineSnapshot) -> list[TableRow]:
    regimes = symbol_regimes(snapshot)
    return [bot_row(bot, regimes) for bot in snapshot.bots]


def _price_order(order: Order) -> tuple[bool, Decimal]:
    # Highest price first; market orders (no price) last.
    return order.price is None, -(order.price or Decimal(0))


def order_rows(orders: Sequence[Order]) -> list[TableRow]:
    """Open orders, highest price first, keyed by client order id."""
    return [
        (
            order.client_order_id,
            (
                Text(order.bot),
                side_label(order.side),
                _right(price_text(order.price)),
                _right(qty_text(order.qty)),
                Text(order.status.value),
                Text(order.tag),
            ),
        )
        for order in sorted(orders, key=_price_order)
    ]


# -- emergency banner ---------------------------------------------------------------------


def emergency_bots(snapshot: EngineSnapshot) -> tuple[str, ...]:
    return tuple(bot.name for bot in snapshot.bots if bot.state is BotState.EMERGENCY)


def halt_reasons(snapshot: EngineSnapshot) -> dict[str, str]:
    """Why each bot in EMERGENCY was halted."""
    return {b.name: b.state_reason for b in snapshot.bots if b.state is BotState.EMERGENCY}


def banner_text(bots: Sequence[str], reasons: Mapping[str, str] | None = None) -> str:
    """The emergency banner, with why, or "" when no bot is in EMERGENCY."""
    if not bots:
        return ""
    why = {reasons[b] for b in bots if reasons and reasons.get(b)}
    if len(why) == 1:
        detail = f"{', '.join(bots)} — {why.pop()}"
    elif why:
        detail = "; ".join(f"{b}: {reasons[b]}" if reasons and reasons.get(b) else b for b in bots)
    else:
        detail = ", ".join(bots)
    return f"⚠ EMERGENCY HALT: {detail} — press a to acknowledge"
