"""What the clusterizer measures for each symbol: volatility and liquidity, from its candles.

- `atr_pct`: ATR(14) on 1-hour bars over the bar's close, in percent; the median over the data.
- `quote_volume_h`: the quote volume (volume x close of each candle, summed per hour); the
  median hour.

Candles come from a folder (one file per symbol: `SYMBOL.csv`, `SYMBOL-1m.parquet`,
`symbol_1m.csv.gz`: the symbol is the file name up to the first `-`, `_` or `.`) or from the
local candle store (each symbol's finest interval).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from traderagent.indicators import atr
from traderagent.marketdata import CandleSeries, MarketDataError, load_candles, resample
from traderagent.marketdata.loader import SUFFIXES

HOUR_MS = 3_600_000
ATR_PERIOD = 14
_SYMBOL = re.compile(r"^([A-Za-z0-9]+)")


class ClusterError(ValueError):
    """Input the clusterizer cannot use; the message says what to change."""


@dataclass(frozen=True, slots=True)
class SymbolFeatures:
    """One symbol's measurements and where its candles came from."""

    symbol: str
    source: str
    """The candle file, or `store:EXCHANGE/SYMBOL-INTERVAL`."""
    atr_pct: float
    quote_volume_h: float
    hours: int


def folder_series(folder: Path) -> list[tuple[str, str, CandleSeries]]:
    """(symbol, source, candles) of every candle file in `folder`, by symbol."""
    if not folder.is_dir():
        raise ClusterError(f"--data-dir: {folder} is not a folder")
    found: dict[str, tuple[str, str, CandleSeries]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not path.name.lower().endswith(SUFFIXES):
            continue
        match = _SYMBOL.match(path.name)
        if match is None:
            continue
        symbol = match.group(1).upper()
        if symbol in found:
            raise ClusterError(
                f"--data-dir: two files hold {symbol}: {Path(found[symbol][1]).name} and "
                f"{path.name}; keep one file per symbol"
            )
        try:
            series = load_candles(path, symbol=symbol)
        except MarketDataError as err:
            raise ClusterError(str(err)) from None
        found[symbol] = (symbol, str(path.resolve()), series)
    if not found:
        raise ClusterError(f"--data-dir: no candle files ({', '.join(SUFFIXES)}) in {folder}")
    return [found[s] for s in sorted(found)]


def store_series() -> list[tuple[str, str, CandleSeries]]:
    """(symbol, source, candles) of each symbol in the local candle store (finest interval)."""
    from traderagent.marketdata.store import CandleStore, StoreKey

    store = CandleStore()
    chosen: dict[str, StoreKey] = {}
    for key in store.keys():  # noqa: SIM118 - a method of the store, not a dict
        if key.symbol not in chosen or key.interval_ms < chosen[key.symbol].interval_ms:
            chosen[key.symbol] = key
    if not chosen:
        raise ClusterError(
            f"the candle store ({store.root}) is empty: add candles with `traderagent data "
            "import` or `traderagent data download`, or give --data-dir"
        )
    result = []
    for symbol in sorted(chosen):
        key = chosen[symbol]
        series = store.read(key)
        if series is not None and len(series):
            result.append((symbol, f"store:{key.label}", series))
    return result


def measure(symbol: str, source: str, candles: CandleSeries) -> SymbolFeatures:
    """ATR % and hourly quote volume of one symbol (ClusterError if too short)."""
    if HOUR_MS % candles.interval_ms:
        raise ClusterError(
            f"{source}: candles of {candles.interval_ms // 60_000} min do not add up to hours"
        )
    quote = CandleSeries(
        symbol,
        candles.interval_ms,
        candles.ts,
        candles.open,
        candles.high,
        candles.low,
        candles.close,
        candles.volume * candles.close,
    )
    hours = resample(quote, HOUR_MS)
    if len(hours) <= ATR_PERIOD:
        raise ClusterError(
            f"{source}: {len(hours)} whole hours of candles; "
            f"the ATR needs at least {ATR_PERIOD + 1}"
        )
    ranges = atr(hours.high, hours.low, hours.close, ATR_PERIOD) / hours.close * 100
    return SymbolFeatures(
        symbol=symbol,
        source=source,
        atr_pct=float(np.nanmedian(ranges)),
        quote_volume_h=float(np.median(hours.volume)),
        hours=len(hours),
    )
