"""Closed trades and profit as plain text tables and as JSON (the CLI, `ctl`, Telegram)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from traderagent.ledger.closed import ClosedTrade, TradeLedger
from traderagent.ledger.profit import BotPerformance, PeriodProfit

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Quote money to the cent, signed (display only: the JSON keeps every digit)."""
    return f"{value.quantize(CENT):+,}"


def quantity(value: Decimal) -> str:
    """A base quantity in plain digits (`0.000000263`, never `2.63E-7`)."""
    return f"{value:f}"


def when(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def duration(ms: int) -> str:
    """`3d 4h`, `2h 05m` or `7m`."""
    minutes = ms // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


def trade_lines(ledger: TradeLedger) -> list[str]:
    """A table of the trades, then the total, what is open and what no buy matched."""
    lines = [
        f"{'closed (UTC)':<16} {'bot':<12} {'side':<5} {'qty':>12} {'entry':>12} {'exit':>12} "
        f"{'fees':>9} {'PnL':>11} {'held':>7}  reason"
    ]
    lines += [
        f"{when(t.closed_ms):<16} {t.bot[:12]:<12} {t.side:<5} {quantity(t.qty):>12} "
        f"{t.entry:>12.2f} {t.exit:>12.2f} {t.fees:>9.2f} {money(t.pnl):>11} "
        f"{duration(t.duration_ms):>7}  {t.reason}"
        for t in ledger.trades
    ]
    wins = sum(1 for t in ledger.trades if t.pnl > 0)
    lines.append(
        f"{len(ledger.trades)} closed trades, {wins} won · PnL {money(ledger.pnl)} "
        f"· fees {ledger.fees.quantize(CENT)}"
    )
    lines += [
        f"{bot}: {quantity(qty)} still held (an open trade)"
        if qty > 0
        else f"{bot}: {quantity(-qty)} short still open (an open trade)"
        for bot, qty in ledger.open_qty
    ]
    lines += [
        f"{bot}: {quantity(qty)} sold with no recorded buy to match (not counted as a trade)"
        for bot, qty in ledger.unmatched_qty
    ]
    return lines


def profit_lines(periods: Sequence[PeriodProfit]) -> list[str]:
    lines = [f"{'period':<10} {'trades':>6} {'won':>5} {'fees':>10} {'PnL':>12}"]
    lines += [
        f"{p.period:<10} {p.trades:>6} {p.wins:>5} {p.fees.quantize(CENT):>10} {money(p.pnl):>12}"
        for p in periods
    ]
    if not periods:
        lines.append("no closed trades yet")
    return lines


def performance_lines(rows: Sequence[BotPerformance]) -> list[str]:
    lines = [f"{'bot':<14} {'trades':>6} {'win %':>6} {'best':>10} {'worst':>10} {'PnL':>12}"]
    for p in rows:
        rate = f"{p.win_rate:.0f}" if p.win_rate is not None else "-"
        lines.append(
            f"{p.bot[:14]:<14} {p.trades:>6} {rate:>6} {money(p.best):>10} "
            f"{money(p.worst):>10} {money(p.pnl):>12}"
        )
    if not rows:
        lines.append("no closed trades yet")
    return lines


def trade_json(trade: ClosedTrade) -> dict[str, Any]:
    """One trade with money as exact strings."""
    return {
        "bot": trade.bot,
        "symbol": trade.symbol,
        "qty": str(trade.qty),
        "entry": str(trade.entry),
        "exit": str(trade.exit),
        "fees": str(trade.fees),
        "pnl": str(trade.pnl),
        "opened_ms": trade.opened_ms,
        "closed_ms": trade.closed_ms,
        "duration_ms": trade.duration_ms,
        "reason": trade.reason,
        "entries": trade.entries,
        "side": trade.side,
    }


def ledger_json(ledger: TradeLedger) -> dict[str, Any]:
    return {
        "trades": [trade_json(t) for t in ledger.trades],
        "pnl": str(ledger.pnl),
        "fees": str(ledger.fees),
        "open_qty": {bot: str(qty) for bot, qty in ledger.open_qty},
        "unmatched_qty": {bot: str(qty) for bot, qty in ledger.unmatched_qty},
    }


def profit_json(periods: Sequence[PeriodProfit]) -> list[dict[str, Any]]:
    return [
        {
            "period": p.period,
            "start_ms": p.start_ms,
            "trades": p.trades,
            "wins": p.wins,
            "pnl": str(p.pnl),
            "fees": str(p.fees),
        }
        for p in periods
    ]
