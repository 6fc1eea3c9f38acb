"""The closed trades every backtest breakdown counts: the metrics' own round trips.

The period, regime and route breakdowns and the Monte Carlo read `trades.round_trips` (each
sell fill that closes bought quantity, at average cost, net of every fee), the trades behind
the table's `trades`, `win rate` and `profit factor`, so a breakdown's rows add up to the
table above it. `ledger.closed_trades` (what `traderagent trades` shows for live bots) matches
lots first in, first out instead: on the bundled grid run it splits 319 closing sells into
620 pieces, and the same run would show two trade counts. Its period boundaries
(`ledger.profit.period_of`) are reused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from traderagent.backtest.trades import RoundTrip, round_trips

if TYPE_CHECKING:
    from traderagent.backtest.runner import BacktestResult


def closed_trades(result: BacktestResult, bot: str | None = None) -> list[RoundTrip]:
    """The run's round trips, oldest exit first (only `bot`'s when given)."""
    trips = round_trips(result.fills)
    return trips if bot is None else [t for t in trips if t.bot == bot]
