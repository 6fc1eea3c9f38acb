"""Pure render of the Trades and Profit tabs: a trade ledger in, table rows out."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from traderagent.clock import format_ts
from traderagent.ledger import TradeLedger, performance, profit
from traderagent.ledger.text import duration
from tui.render import TableRow, money, price_text, qty_text, signed_money

SHOWN_TRADES = 200
CENT = Decimal("0.01")

TRADE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("closed", "Closed", False),
    ("bot", "Bot", False),
    ("pnl", "PnL", True),
    ("qty", "Qty", True),
    ("entry", "Entry", True),
    ("exit", "Exit", True),
    ("fees", "Fees", True),
    ("held", "Held", True),
    ("reason", "Exit by", False),
)
"""(column key, header, right-aligned) for the closed trades table."""

PROFIT_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("period", "Period", False),
    ("pnl", "PnL", True),
    ("trades", "Trades", True),
    ("won", "Won", True),
    ("fees", "Fees", True),
)


def trade_rows(ledger: TradeLedger, bot: str | None = None) -> list[TableRow]:
    """The closed trades, newest first (of `bot` only when given)."""
    trades = ledger.trades if bot is None else ledger.of(bot).trades
    return [
        (
            f"{t.bot}-{t.closed_ms}-{n}",
            (
                Text(format_ts(t.closed_ms)[5:16]),
                Text(t.bot),
                signed_money(t.pnl),
                Text(qty_text(t.qty)),
                Text(price_text(_shown(t.entry))),
                Text(price_text(_shown(t.exit))),
                Text(money(t.fees)),
                Text(duration(t.duration_ms)),
                Text(t.reason),
            ),
        )
        for n, t in enumerate(reversed(trades[-SHOWN_TRADES:]))
    ]


def _shown(price: Decimal) -> Decimal:
    """An average price to the cent (a price under 1 to 6 significant places)."""
    if abs(price) >= 1:
        return price.quantize(CENT)
    return price.quantize(Decimal("1e-8")).normalize()


def profit_rows(ledger: TradeLedger, period: str) -> list[TableRow]:
    """Closed trades' PnL per period, newest first."""
    return [
        (
            p.period,
            (
                Text(p.period),
                signed_money(p.pnl),
                Text(str(p.trades)),
                Text(str(p.wins)),
                Text(money(p.fees)),
            ),
        )
        for p in reversed(profit(ledger.trades, period))
    ]


def ledger_summary(ledger: TradeLedger) -> Text:
    """`12 trades · 8 won · PnL +3.21 · fees 0.84 · best grid-btc +2.10`, and anything open."""
    wins = sum(1 for t in ledger.trades if t.pnl > 0)
    text = Text(f"{len(ledger.trades)} closed trades · {wins} won · PnL ")
    text.append_text(signed_money(ledger.pnl))
    text.append(f" · fees {money(ledger.fees)}")
    rows = performance(ledger.trades)
    if rows:
        text.append(f" · best {rows[0].bot} ")
        text.append_text(signed_money(rows[0].pnl))
    for bot, qty in ledger.unmatched_qty:
        text.append(f" · {bot}: {qty_text(qty)} sold unmatched", style="yellow")
    return text
