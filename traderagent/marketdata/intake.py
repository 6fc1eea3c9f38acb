"""The one rule for live candles on their way in: each open time once, oldest first, final.

A live source repeats itself: a stream re-sends a closed candle, a REST catch-up after a
reconnect overlaps what the stream already gave, a forming candle is pushed again and again
until its close (Bybit's kline `confirm: false` ... `confirm: true`). `CandleIntake` merges and
drops instead of failing:

- a forming (unconfirmed) candle is held, never passed on; a later push with the same start
  replaces it, and the confirmed candle of that start supersedes it;
- a confirmed candle newer than the last one passed on is passed on (a gap before it is logged
  and counted: the caller backfills what it can first);
- a confirmed candle at or before the last one passed on is dropped with a log line and counted
  (`repeat` when identical, `revised` when its values differ, `stale` when older).

Nothing here raises on the data: downstream indicators can rely on strictly rising open times.
"""

from __future__ import annotations

import logging
from collections import Counter

from traderagent.domain import Candle

log = logging.getLogger("traderagent.marketdata.intake")

DROPS = ("repeat", "revised", "stale", "stale_forming")


class CandleIntake:
    """Per-symbol ordering state of one live source (`source` names it in log lines)."""

    __slots__ = ("_forming", "_last", "counts", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._last: dict[str, Candle] = {}
        self._forming: dict[str, Candle] = {}
        self.counts: Counter[str] = Counter()  # accepted, gaps, missing, repeat, revised, ...

    def last_ts(self, symbol: str) -> int | None:
        """Open time of the last candle passed on for `symbol` (None before the first)."""
        last = self._last.get(symbol)
        return last.ts if last is not None else None

    def forming(self, symbol: str) -> Candle | None:
        """The latest unconfirmed candle of `symbol` still newer than the last one passed on."""
        return self._forming.get(symbol)

    @property
    def dropped(self) -> int:
        return sum(self.counts[kind] for kind in DROPS)

    def seed(self, candle: Candle) -> None:
        """Mark `candle` as already passed on (history the consumer got by other means)."""
        last = self._last.get(candle.symbol)
        if last is None or candle.ts > last.ts:
            self._last[candle.symbol] = candle

    def offer(self, candle: Candle, *, confirmed: bool = True) -> Candle | None:
        """`candle` if it is to be passed on now, else None (held as forming, or dropped)."""
        last = self._last.get(candle.symbol)
        if not confirmed:
            self._hold(candle, last)
            return None
        if last is not None and candle.ts <= last.ts:
            self._drop(candle, last)
            return None
        forming = self._forming.get(candle.symbol)
        if forming is not None and forming.ts <= candle.ts:
            del self._forming[candle.symbol]  # closed now, or overtaken by a later close
        if last is not None and candle.ts > last.ts + last.interval_ms:
            missing = (candle.ts - last.ts) // last.interval_ms - 1
            self.counts["gaps"] += 1
            self.counts["missing"] += missing
            log.warning(
                "%s: %s candles jump from %d to %d ms: %d missing candle(s) skipped",
                self.source,
                candle.symbol,
                last.ts,
                candle.ts,
                missing,
            )
        self._last[candle.symbol] = candle
        self.counts["accepted"] += 1
        return candle

    def _hold(self, candle: Candle, last: Candle | None) -> None:
        forming = self._forming.get(candle.symbol)
        if (last is not None and candle.ts <= last.ts) or (
            forming is not None and candle.ts < forming.ts
        ):
            self.counts["stale_forming"] += 1
            log.info(
                "%s: dropped a forming %s candle at %d ms: a newer one is already in",
                self.source,
                candle.symbol,
                candle.ts,
            )
            return
        self._forming[candle.symbol] = candle  # a later push of the same start replaces it
        return None

    def _drop(self, candle: Candle, last: Candle) -> None:
        if candle.ts < last.ts:
            kind, why = "stale", f"older than the last one at {last.ts} ms"
        elif candle == last:
            kind, why = "repeat", "already taken"
        else:
            kind, why = "revised", "already taken with other values (kept the first)"
        self.counts[kind] += 1
        level = logging.INFO if kind == "repeat" else logging.WARNING
        log.log(
            level,
            "%s: dropped a %s candle at %d ms: %s",
            self.source,
            candle.symbol,
            candle.ts,
            why,
        )
