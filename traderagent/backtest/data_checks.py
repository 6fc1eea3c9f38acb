"""Doubts about a backtest's candles worth a warning, though the run goes on: a data file whose
name says another symbol than the bots trade, and long gaps the replay jumps over.

A file's candles carry no symbol: they are read as the bots' symbol, so `ETHUSDT-1m.csv` under
a BTCUSDT config would trade ETH prices as BTC without a word. (A `store:` key names its symbol
and the store refuses a mismatch itself.) A gap is replayed as if the market jumped from the
candle before it to the one after: orders resting in between fill at the next candle's path.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from traderagent.clock import format_ts
from traderagent.marketdata import CandleSeries
from traderagent.marketdata.coverage import missing_spans

GAP_CANDLES = 60
"""A gap of more missing candles than this is worth a warning."""
GAPS_SHOWN = 3
QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH", "BNB")
_SYMBOL = re.compile(rf"^([A-Z0-9]{{2,15}}(?:{'|'.join(QUOTES)}))(?:$|[-_. ])")
_SEPARATORS = re.compile(r"[-_. /]")


def named_symbol(data: str) -> str | None:
    """The symbol a data file's name starts with (`ETHUSDT-1m.csv` -> ETHUSDT), if it has one
    (None for `bundled`, a `store:` key or a name without a symbol)."""
    if data == "bundled" or data.startswith("store:"):
        return None
    match = _SYMBOL.match(Path(data).name.upper())
    return match.group(1) if match else None


def symbol_warning(data: str, symbols: Collection[str]) -> str | None:
    """A warning when `data`'s file name names a symbol none of `symbols` (the bots') is."""
    named = named_symbol(data)
    if named is None or not symbols:
        return None
    compact = _SEPARATORS.sub("", Path(data).name.upper())
    if any(_SEPARATORS.sub("", s.upper()) in compact for s in symbols):
        return None  # BTC-USDT_1m.csv and the like name the right one
    traded = ", ".join(sorted(symbols))
    return (
        f"the data file {Path(data).name} looks like {named} candles, but the bots trade "
        f"{traded}: its prices are replayed as {traded} (check --data or replay.data)"
    )


def gap_warnings(
    candles: CandleSeries, *, at_least: int = GAP_CANDLES, shown: int = GAPS_SHOWN
) -> list[str]:
    """One warning per gap of more than `at_least` missing candles (the longest `shown`, in
    time order, then a count of the others)."""
    if len(candles) < 2:
        return []
    step = candles.interval_ms
    spans = missing_spans(candles.ts, step, candles.first_ts, candles.last_ts)
    long = [(first, last) for first, last in spans if (last - first) // step + 1 > at_least]
    if not long:
        return []
    longest = sorted(sorted(long, key=lambda s: s[0] - s[1])[:shown])
    lines = [
        f"the data misses {(last - first) // step + 1:,} candles from {format_ts(first)} to "
        f"{format_ts(last + step)} UTC: the replay jumps over the gap"
        for first, last in longest
    ]
    if len(long) > shown:
        lines.append(f"... and {len(long) - shown} more gaps of over {at_least} candles")
    return lines
