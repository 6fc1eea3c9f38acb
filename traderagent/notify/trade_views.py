"""Replies about closed trades: `/trades`, `/profit`, `/daily` and `/performance`."""

from __future__ import annotations

from datetime import UTC, datetime

from traderagent.ledger import TradeLedger, performance, profit
from traderagent.ledger.text import duration
from traderagent.notify.formatting import price, qty, signed

SHOWN_TRADES = 10
SHOWN_DAYS = 7


def trades_text(ledger: TradeLedger, bot: str | None = None) -> str:
    """The last closed trades, newest first, and the total."""
    if not ledger.trades:
        return f"No closed trades{f' for {bot}' if bot else ''} yet."
    lines = [f"Last closed trades ({len(ledger.trades)} in all):"]
    for t in reversed(ledger.trades[-SHOWN_TRADES:]):
        closed = datetime.fromtimestamp(t.closed_ms / 1000, UTC).strftime("%m-%d %H:%M")
        lines.append(
            f"{closed} {t.bot} {qty(t.qty)} {price(t.entry.normalize())}→"
            f"{price(t.exit.normalize())} {signed(t.pnl)} ({duration(t.duration_ms)}, "
            f"{t.reason or 'exit'})"
        )
    wins = sum(1 for t in ledger.trades if t.pnl > 0)
    lines.append(f"total {signed(ledger.pnl)} · fees {signed(-ledger.fees)} · {wins} won")
    return "\n".join(lines)


def profit_text(ledger: TradeLedger, period: str = "day", last: int | None = None) -> str:
    """Closed trades' PnL per period, the newest `last` periods, and the total."""
    periods = profit(ledger.trades, period)
    if not periods:
        return "No closed trades yet."
    shown = periods[-last:] if last else periods
    lines = [f"Profit by {period} (closed trades, UTC):"]
    lines += [f"{p.period}: {signed(p.pnl)} · {p.trades} trades, {p.wins} won" for p in shown]
    lines.append(f"total {signed(ledger.pnl)} over {len(ledger.trades)} trades")
    return "\n".join(lines)


def performance_text(ledger: TradeLedger) -> str:
    """Each bot's closed trades: PnL, trades, win rate; best bot first."""
    rows = performance(ledger.trades)
    if not rows:
        return "No closed trades yet."
    lines = ["Performance by bot:"]
    for p in rows:
        rate = f"{p.win_rate:.0f}%" if p.win_rate is not None else "-"
        lines.append(f"{p.bot} {p.symbol}: {signed(p.pnl)} · {p.trades} trades · {rate} won")
    return "\n".join(lines)
