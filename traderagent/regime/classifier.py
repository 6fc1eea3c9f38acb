"""RegimeClassifier: 1m candles in, one RegimeReading per finished classifier bar out."""

from __future__ import annotations

from collections.abc import Sequence

from traderagent.domain import Candle, Regime, RegimeReading
from traderagent.indicators import Adx, Atr, CandleAggregator, Ema
from traderagent.regime.config import RegimeConfig
from traderagent.regime.rules import RegimeInputs, RegimeLatch, propose


class RegimeClassifier:
    """The market regime of one symbol. Pure and deterministic: it reads no clock and does no
    I/O, so replay, backtest and live give the same readings for the same candles."""

    def __init__(self, config: RegimeConfig, symbol: str) -> None:
        self.config = config
        self.symbol = symbol
        self._bars = CandleAggregator(config.interval_ms)
        self._adx = Adx(config.adx_period)
        self._atr = Atr(config.atr_period)
        self._ema_fast = Ema(config.ema_fast)
        self._ema_slow = Ema(config.ema_slow)
        self._atr_scale = config.atr_pct_scale
        self._latch = RegimeLatch(config.confirmations, config.min_dwell_ms)
        self._first_ms: int | None = None
        self.reading: RegimeReading | None = None
        """The latest reading (None before the first classifier bar finishes)."""

    @property
    def regime(self) -> Regime | None:
        """The confirmed regime; None while warming up."""
        return self._latch.regime

    @property
    def bar_ms(self) -> int:
        """Length of a classifier bar: a reading comes only with a candle that closes one
        (epoch-aligned), so a replay may feed the candles in between without waiting on it."""
        return self._bars.interval_ms

    @property
    def since_ms(self) -> int:
        """When the confirmed regime began (the close of the bar that confirmed it, epoch ms);
        while warming up, the open of the first candle seen (0 before any)."""
        if self._latch.regime is None:
            return self._first_ms or 0
        return self._latch.since_ms

    def update(self, candle_1m: Candle) -> RegimeReading | None:
        """Feed one finished candle; a reading when it finishes a classifier bar, else None."""
        if candle_1m.symbol != self.symbol:
            raise ValueError(f"a {candle_1m.symbol} candle fed to the {self.symbol} classifier")
        if self._first_ms is None:
            self._first_ms = candle_1m.ts
        reading = None
        for bar in self._bars.update_all(candle_1m):
            reading = self._evaluate(bar)
        return reading

    def absorb(  # noqa: PLR0913 - a run of candles as its columns
        self,
        first: tuple[int, float],
        last_ts: int,
        interval_ms: int,
        highs: Sequence[float],
        lows: Sequence[float],
        last_close: float,
        volumes: Sequence[float],
    ) -> None:
        """Feed finished candles of which none finishes a classifier bar, as columns (a
        replay's quiet candles; see `CandleAggregator.absorb`): the state `update` would
        leave, no reading."""
        if not volumes:
            return
        self._bars.absorb(
            self.symbol, first, last_ts, interval_ms, highs, lows, last_close, volumes
        )
        if self._first_ms is None:
            self._first_ms = first[0]

    def _evaluate(self, bar: Candle) -> RegimeReading:
        inputs = RegimeInputs(
            adx=self._adx.update(bar.high, bar.low, bar.close),
            plus_di=self._adx.plus_di,
            minus_di=self._adx.minus_di,
            atr_pct=self._atr.update(bar.high, bar.low, bar.close)
            / bar.close
            * 100.0
            * self._atr_scale,
            ema_fast=self._ema_fast.update(bar.close),
            ema_slow=self._ema_slow.update(bar.close),
        )
        warm = self._adx.ready and self._atr.ready and self._ema_slow.ready
        candidate = propose(inputs, self._latch.regime, self.config) if warm else None
        self._latch.step(candidate, bar.close_time)
        self.reading = RegimeReading(
            symbol=self.symbol,
            ts=bar.close_time,
            regime=self._latch.regime,
            candidate=candidate,
            since_ms=self.since_ms,
            adx=inputs.adx,
            plus_di=inputs.plus_di,
            minus_di=inputs.minus_di,
            atr_pct=inputs.atr_pct,
            ema_fast=inputs.ema_fast,
            ema_slow=inputs.ema_slow,
        )
        return self.reading
