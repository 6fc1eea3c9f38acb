"""Market data views of the closed candles: klines, tickers and a one-level order book.

Klines of a longer interval aggregate the replayed candles into buckets aligned as Bybit's
(epoch-aligned minutes and hours, UTC days, weeks from Monday); the newest bucket may be still
open (`confirm` false). The order book is synthetic: one level each side of the last price,
`spread_bps` apart, sized from the candle's volume. Fills do not use it: they follow the
candle-path model of the paper venue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from traderagent.domain import Instrument, Side
from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.marketdata import CandleSeries

MINUTE = 60_000
DAY = 1440 * MINUTE
INTERVALS = {
    **{str(m): m * MINUTE for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": DAY,
    "W": 7 * DAY,
    "M": 31 * DAY,  # calendar months (UTC): the longest one stands for all in window sums
}
MONTH = INTERVALS["M"]
WEEK_OFFSET = 4 * DAY  # 1970-01-01 was a Thursday; Bybit weeks start on Monday


@dataclass(frozen=True, slots=True)
class Bar:
    """One aggregated kline bucket."""

    start: int
    interval_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: float
    confirm: bool

    def row(self) -> list[str]:
        """The REST kline row: start, open, high, low, close, volume, turnover (strings)."""
        values = (self.open, self.high, self.low, self.close, self.volume, self.turnover)
        return [str(self.start), *(_text(v) for v in values)]


def interval_ms(code: object, base_ms: int) -> int:
    """The bucket length of a Bybit interval code; 10001 if unknown or finer than the data."""
    length = INTERVALS.get(str(code))
    if length is None:
        raise params_error(f"interval {code!r} is invalid (use {', '.join(INTERVALS)})")
    if length % base_ms and length != MONTH:
        raise params_error(f"interval {code} is finer than the replayed {base_ms // MINUTE}m data")
    return length


def bars(
    closed: CandleSeries, length: int, start: int | None, end: int | None, limit: int
) -> list[Bar]:
    """Buckets of `closed` whose start is in [start, end], the newest `limit`, oldest first."""
    ts = closed.ts
    hi = len(ts) if end is None else int(np.searchsorted(ts, end + length, side="left"))
    if start is not None:
        first_id = _bucket_ids(np.array([start], dtype=np.int64), length)[0]
        lo = int(np.searchsorted(ts, _bucket_start(int(first_id), length), side="left"))
    else:
        per_bar = length // closed.interval_ms
        lo = max(0, hi - (limit + 1) * per_bar)
    if hi <= lo:
        return []
    part = slice(lo, hi)
    buckets = _bucket_ids(ts[part], length)
    firsts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    lasts = np.concatenate((firsts[1:], [len(buckets)])) - 1
    o, h, lo_, c, v = (
        getattr(closed, name)[part] for name in ("open", "high", "low", "close", "volume")
    )
    highs, lows = np.maximum.reduceat(h, firsts), np.minimum.reduceat(lo_, firsts)
    volumes, turnovers = np.add.reduceat(v, firsts), np.add.reduceat(v * c, firsts)
    result = []
    for k, (first, last) in enumerate(zip(firsts.tolist(), lasts.tolist(), strict=True)):
        bucket_start = _bucket_start(int(buckets[first]), length)
        if (start is not None and bucket_start < start) or (end is not None and bucket_start > end):
            continue
        bucket_end = _bucket_start(int(buckets[first]) + 1, length)
        confirm = int(ts[lo + last]) + closed.interval_ms >= bucket_end
        result.append(
            Bar(
                bucket_start,
                bucket_end - bucket_start,
                float(o[first]),
                float(highs[k]),
                float(lows[k]),
                float(c[last]),
                float(volumes[k]),
                float(turnovers[k]),
                confirm,
            )  # fmt: skip
        )
    return result[-limit:]


def _bucket_ids(ts: np.ndarray, length: int) -> np.ndarray:
    """Each timestamp's bucket number: epoch-aligned, weeks from Monday, calendar months."""
    if length == MONTH:
        return ts.astype("datetime64[ms]").astype("datetime64[M]").astype(np.int64)
    offset = WEEK_OFFSET if length == 7 * DAY else 0
    return (ts - offset) // length


def _bucket_start(bucket: int, length: int) -> int:
    if length == MONTH:
        return int(np.datetime64(bucket, "M").astype("datetime64[ms]").astype(np.int64))
    return bucket * length + (WEEK_OFFSET if length == 7 * DAY else 0)


def kline_push(bar: Bar, interval_code: str, now_ms: int) -> dict[str, object]:
    """A `kline.{interval}.{symbol}` data item."""
    return {
        "start": bar.start,
        "end": bar.start + bar.interval_ms - 1,
        "interval": interval_code,
        "open": _text(bar.open),
        "close": _text(bar.close),
        "high": _text(bar.high),
        "low": _text(bar.low),
        "volume": _text(bar.volume),
        "turnover": _text(bar.turnover),
        "confirm": bar.confirm,
        "timestamp": now_ms,
    }


@dataclass(frozen=True, slots=True)
class TopOfBook:
    bid: Decimal
    bid_size: Decimal
    ask: Decimal
    ask_size: Decimal


def top_of_book(inst: Instrument, last: float, volume: float, spread_bps: float) -> TopOfBook:
    """One level each side of `last`, at least one tick apart."""
    price = inst.market_price(last)  # on the tick: float noise moves no quote
    half = Decimal(repr(spread_bps)) / 20_000
    bid = inst.round_price(price * (1 - half), Side.BUY)
    ask = inst.round_price(price * (1 + half), Side.SELL)
    if ask <= bid:
        ask = bid + inst.tick_size
    size = max(inst.floor_qty(Decimal(repr(volume)) / 10), inst.min_qty)
    return TopOfBook(bid, size, ask, size)


def ticker_item(
    category: str,
    inst: Instrument,
    closed: CandleSeries,
    book: TopOfBook,
    now_ms: int,
    funding_rate: Decimal = Decimal("0.0001"),
) -> dict[str, object]:
    """A tickers item (REST list item and WS snapshot data) from the closed candles."""
    ts = closed.ts
    day = int(np.searchsorted(ts, now_ms - DAY, side="left"))
    hour = int(np.searchsorted(ts, now_ms - 60 * MINUTE, side="left"))
    last = float(closed.close[-1])
    prev24, prev1h = float(closed.open[day]), float(closed.open[hour])
    volume = float(closed.volume[day:].sum())
    item: dict[str, object] = {
        "symbol": inst.symbol,
        "lastPrice": _text(last),
        "prevPrice24h": _text(prev24),
        "price24hPcnt": f"{(last - prev24) / prev24:.4f}" if prev24 else "0",
        "highPrice24h": _text(float(closed.high[day:].max())),
        "lowPrice24h": _text(float(closed.low[day:].min())),
        "turnover24h": _text(float((closed.volume[day:] * closed.close[day:]).sum())),
        "volume24h": _text(volume),
    }
    quotes = {
        "bid1Price": num(book.bid),
        "bid1Size": num(book.bid_size),
        "ask1Price": num(book.ask),
        "ask1Size": num(book.ask_size),
    }
    if category == "spot":
        return {**item, **quotes, "usdIndexPrice": _text(last)}
    funding = (now_ms // (8 * 60 * MINUTE) + 1) * 8 * 60 * MINUTE
    return {
        **item,
        **quotes,
        "indexPrice": _text(last),
        "markPrice": _text(last),
        "prevPrice1h": _text(prev1h),
        "openInterest": "0",
        "openInterestValue": "0",
        "fundingRate": num(funding_rate),
        "nextFundingTime": str(funding),
        "predictedDeliveryPrice": "",
        "basisRate": "",
        "basis": "",
        "deliveryFeeRate": "",
        "deliveryTime": "0",
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
        "fundingIntervalHour": "8",
        "fundingCap": "0.005",
        "basisRateYear": "",
    }


def _text(value: float) -> str:
    """A float price or volume as Bybit writes it: shortest round-trip digits, no exponent."""
    text = repr(round(float(value), 8))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text.removesuffix(".0")
