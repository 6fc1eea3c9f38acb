"""EmulatorCore: the whole emulated venue without its transport: replay, account, feeds.

Two clocks meet here. Market time (`now_ms`) is the replay's: candles, fills, order and
execution timestamps, push `creationTime`s. Wall time (`wall_ms`) is the real clock, as on
Bybit, where clients sign requests with real time: `/v5/market/time`, the REST envelope's
`time`, the signature window, rate-limit windows and pongs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from traderagent.exchanges.emulator.desk import OrderDesk
from traderagent.exchanges.emulator.faults import FaultSpec
from traderagent.exchanges.emulator.funding import (
    DEFAULT_FUNDING_RATE,
    aligned_to_wall,
    funding_times,
)
from traderagent.exchanges.emulator.injector import FaultInjector
from traderagent.exchanges.emulator.instruments import CATEGORIES, market_rules
from traderagent.exchanges.emulator.ledger import Ledger
from traderagent.exchanges.emulator.market_stream import MarketStream
from traderagent.exchanges.emulator.ratelimit import RateLimiter
from traderagent.exchanges.emulator.replay import MarketReplay
from traderagent.exchanges.emulator.signing import Credentials
from traderagent.exchanges.emulator.streams import PrivateFeed
from traderagent.exchanges.fee_rules import LINEAR_FEES, SPOT_FEES, FeeRules
from traderagent.exchanges.paper import FillModel
from traderagent.exchanges.paper.linear import FundingRates
from traderagent.marketdata import CandleSeries

log = logging.getLogger(__name__)

DEFAULT_BALANCES = {"USDT": Decimal(10_000)}
DEFAULT_SPREAD_BPS = 2.0


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class EmulatorCore:
    """Everything the REST and WS endpoints act on, and the replay's step."""

    def __init__(
        self,
        series: Sequence[CandleSeries],
        *,
        balances: Mapping[str, Decimal] | None = None,
        credentials: Credentials | None = None,
        faults: FaultSpec | None = None,
        warmup: int = 1,
        spread_bps: float = DEFAULT_SPREAD_BPS,
        fill_model: FillModel = "pessimistic",
        spot_fees: FeeRules = SPOT_FEES,
        linear_fees: FeeRules = LINEAR_FEES,
        rate_limits: Mapping[str, int] | None = None,
        wall_ms: Callable[[], int] = wall_clock_ms,
        funding_rate: Decimal = DEFAULT_FUNDING_RATE,
        align_to_wall: bool = False,
        funding_rates: FundingRates | None = None,
    ) -> None:
        """`funding_rates` (e.g. a funding file's, `read_funding_file`) price each 8-hour mark
        per symbol instead of the one `funding_rate`; a mark they have no rate for is not
        settled (logged and counted in `funding_skipped`), as on the paper venue."""
        if spread_bps < 0:
            raise ValueError(f"spread_bps must not be negative, got {spread_bps}")
        if align_to_wall:
            series = aligned_to_wall(series, warmup, wall_ms())
        self.replay = MarketReplay(series, warmup)
        self.funding_rate = funding_rate
        self.funding_rates = funding_rates
        self.funding_skipped = 0
        self.spread_bps = spread_bps
        self.credentials = credentials or Credentials()
        self.wall_ms = wall_ms
        self.feed = PrivateFeed(self.replay.now_ms)
        rules = [
            market_rules(category, symbol, self.replay.typical_price(symbol))
            for symbol in self.replay.symbols
            for category in CATEGORIES
        ]
        self.ledger = Ledger(
            rules,
            DEFAULT_BALANCES if balances is None else balances,
            fill_model,
            now_ms=self.replay.now_ms,
            publish=self.feed.publish,
            spot_fees=spot_fees,
            linear_fees=linear_fees,
        )
        self.desk = OrderDesk(self.ledger)
        self.market = MarketStream(self.replay, self.ledger, spread_bps, funding_rate)
        self.injector = FaultInjector(faults or FaultSpec(), wall_ms)
        self.limiter = RateLimiter(rate_limits)
        self.stopping = asyncio.Event()
        self.step(warmup)

    def now_ms(self) -> int:
        """Market time (the replay's)."""
        return self.replay.now_ms()

    def step(self, n: int = 1) -> int:
        """Close the next `n` replay steps now: match, push; returns how many were closed."""
        done = 0
        while done < n and not self.replay.finished:
            for _ in self.walk_step():
                pass
            done += 1
        return done

    def walk_step(self) -> Iterator[None]:
        """Close the next replay step, pausing after each linear fill: the paper venue's walk
        (`LinearBook.walk`, the candle's path point by point), so a client that reacts while
        the step is paused (a cancel over REST) changes the rest of the candle, as a bot on
        the paper venue does. An order placed during a pause rests only after the candle.
        Then the market pushes and the funding due by the step's close, as `step`."""
        if self.replay.finished:
            return
        before = self.replay.now_ms()
        candles = self.replay.advance()
        for candle in candles:
            self.ledger.spot.on_candle(candle)
            yield from self.ledger.linear.walk(candle)
        self.market.on_step(candles)
        if self.funding_rate or self.funding_rates is not None:
            self._settle_funding(before, self.replay.now_ms())

    def _settle_funding(self, before_ms: int, now_ms: int) -> None:
        """Funding of every linear position at each 8-hour mark in (before, now]."""
        for moment in funding_times(before_ms, now_ms):
            for rules in self.ledger.rules("linear"):
                symbol, rate = rules.symbol, self.funding_rate
                if self.funding_rates is not None:
                    found = self.funding_rates.rate(symbol, moment)
                    if found is None:
                        if self.ledger.linear.position(symbol).size:
                            self.funding_skipped += 1
                            log.warning(
                                "funding of %s at %d not settled: no rate for it", symbol, moment
                            )
                        continue
                    rate = found
                self.ledger.settle_funding(symbol, rate, moment)
