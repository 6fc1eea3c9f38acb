"""Profit of closed trades by UTC day, ISO week (Monday first) or month, and per bot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from traderagent.domain import ZERO
from traderagent.ledger.closed import ClosedTrade

PERIODS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class PeriodProfit:
    """The trades that closed in one period, and what they made."""

    period: str
    """`2024-03-05` (day), `2024-W10` (ISO week) or `2024-03` (month)."""
    start_ms: int
    """The period's first instant (UTC, epoch ms)."""
    trades: int
    wins: int
    pnl: Decimal
    fees: Decimal


@dataclass(frozen=True, slots=True)
class BotPerformance:
    """One bot's closed trades in total."""

    bot: str
    symbol: str
    trades: int
    wins: int
    pnl: Decimal
    fees: Decimal
    best: Decimal
    worst: Decimal

    @property
    def win_rate(self) -> Decimal | None:
        """Share of trades that made money, in percent (None with no trade)."""
        return Decimal(self.wins * 100) / self.trades if self.trades else None


def period_of(ts_ms: int, period: str) -> tuple[str, int]:
    """The label and first instant (epoch ms) of the period holding `ts_ms`."""
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        start, label = day, day.strftime("%Y-%m-%d")
    elif period == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        label = f"{year}-W{week:02d}"
    elif period == "month":
        start, label = day.replace(day=1), day.strftime("%Y-%m")
    else:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    return label, int(start.timestamp() * 1000)


def profit(trades: Iterable[ClosedTrade], period: str = "day") -> tuple[PeriodProfit, ...]:
    """The closed trades' PnL per period of their exit, oldest period first (periods with no
    closed trade are left out)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    sums: dict[str, PeriodProfit] = {}
    for trade in trades:
        label, start = period_of(trade.closed_ms, period)
        row = sums.get(label) or PeriodProfit(label, start, 0, 0, ZERO, ZERO)
        sums[label] = replace(
            row,
            trades=row.trades + 1,
            wins=row.wins + (trade.pnl > 0),
            pnl=row.pnl + trade.pnl,
            fees=row.fees + trade.fees,
        )
    return tuple(sorted(sums.values(), key=lambda p: p.start_ms))


def performance(trades: Iterable[ClosedTrade]) -> tuple[BotPerformance, ...]:
    """Each bot's closed trades in total, best PnL first."""
    by_bot: dict[str, list[ClosedTrade]] = {}
    for trade in trades:
        by_bot.setdefault(trade.bot, []).append(trade)
    rows = [
        BotPerformance(
            bot=bot,
            symbol=done[-1].symbol,
            trades=len(done),
            wins=sum(1 for t in done if t.pnl > 0),
            pnl=sum((t.pnl for t in done), ZERO),
            fees=sum((t.fees for t in done), ZERO),
            best=max(t.pnl for t in done),
            worst=min(t.pnl for t in done),
        )
        for bot, done in by_bot.items()
    ]
    return tuple(sorted(rows, key=lambda p: p.pnl, reverse=True))
