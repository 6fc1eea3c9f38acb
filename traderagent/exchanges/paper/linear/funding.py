"""Funding of linear perpetuals: when it is settled, at what rate, and how much.

Every 8 hours (00:00, 08:00 and 16:00 UTC, Bybit's `fundingInterval` 480) each open position
pays or receives `size x mark x rate`, rounded to 8 decimals: a long pays a positive rate (a
short receives it), a negative rate the other way round. The rate comes from a `FundingRates`:
one configured constant (`ConstantRate`), or a series per symbol (`RateSeries`, e.g. read from
a funding file with `read_funding_file`) where the rate of a mark is that of the latest entry at
or before it. A mark a series has no rate for (before its first entry) is not settled: the
venue logs and counts it, it never guesses a rate.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from traderagent.domain import Side
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.linear.position import LinearPosition
from traderagent.exchanges.paper.linear.records import FundingCharge

FUNDING_INTERVAL_MS = 8 * 3_600_000
FUNDING_STEP = Decimal("0.00000001")  # a funding fee is rounded to 8 decimals (Bybit's)


def funding_times(after_ms: int, until_ms: int) -> list[int]:
    """The funding marks t with after < t <= until."""
    first = (after_ms // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
    return list(range(first, until_ms + 1, FUNDING_INTERVAL_MS))


def funding_fee(side: Side, size: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What a position pays at a funding mark (negative: receives), exact to 8 decimals."""
    sign = 1 if side is Side.BUY else -1
    return (size * mark * rate * sign).quantize(FUNDING_STEP).normalize()


def charge_funding(
    position: LinearPosition, wallet: Account, quote: str, at: tuple[Decimal | None, Decimal, int]
) -> FundingCharge | None:
    """Charge (or pay) `position`'s funding at `at` = (mark, rate, ts): `funding_fee` out of
    the wallet's free `quote`, realised on the position. None when flat or without a mark."""
    mark, rate, ts = at
    if position.side is None or not position.size or mark is None:
        return None
    fee = funding_fee(position.side, position.size, mark, rate)
    wallet.credit(quote, -fee)
    position.cur_realised -= fee
    position.cum_realised -= fee
    return FundingCharge(position.symbol, position.side, position.size, mark, rate, fee, quote, ts)


class FundingRates(Protocol):
    """The funding rate of a symbol at a funding mark; None when it is not known."""

    def rate(self, symbol: str, ts: int) -> Decimal | None: ...


class ConstantRate:
    """One configured rate for every symbol and mark."""

    __slots__ = ("value",)

    def __init__(self, value: Decimal) -> None:
        self.value = Decimal(value)

    def rate(self, symbol: str, ts: int) -> Decimal | None:
        return self.value


class RateSeries:
    """Rates per symbol at their settlement times; a mark takes the latest at or before it."""

    __slots__ = ("_rates", "_times")

    def __init__(self, rates: Mapping[str, Iterable[tuple[int, Decimal]]]) -> None:
        self._times: dict[str, list[int]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for symbol, entries in rates.items():
            ordered = sorted(entries)
            self._times[symbol] = [ts for ts, _ in ordered]
            self._rates[symbol] = [r for _, r in ordered]

    def rate(self, symbol: str, ts: int) -> Decimal | None:
        times = self._times.get(symbol)
        if not times:
            return None
        index = bisect_right(times, ts) - 1
        return self._rates[symbol][index] if index >= 0 else None


FUNDING_COLUMNS = ("symbol", "fundingRateTimestamp", "fundingRate")
"""A funding file's header: Bybit's field names (`/v5/market/funding/history`)."""


def read_funding_file(path: Path) -> RateSeries:
    """A CSV funding file: columns `symbol,fundingRateTimestamp,fundingRate` (ms since the
    epoch, the rate as a fraction: 0.0001 = 0.01 %), after optional leading `#` comment
    lines (the bundled file says what it is). ValueError naming the line if bad."""
    rates: dict[str, list[tuple[int, Decimal]]] = {}
    with path.open(newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    comments = next((n for n, text in enumerate(lines) if not text.startswith("#")), len(lines))
    reader = csv.DictReader(lines[comments:])
    missing = [c for c in FUNDING_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{path}: funding file lacks column(s) {', '.join(missing)}")
    for line, row in enumerate(reader, start=comments + 2):
        try:
            ts, rate = int(row["fundingRateTimestamp"]), Decimal(row["fundingRate"])
        except (TypeError, ValueError, InvalidOperation):
            raise ValueError(f"{path}:{line}: not a timestamp and a rate: {row}") from None
        if not rate.is_finite():
            raise ValueError(f"{path}:{line}: funding rate {rate} is not finite")
        rates.setdefault(row["symbol"], []).append((ts, rate))
    return RateSeries(rates)
