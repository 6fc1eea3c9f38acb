"""CandleMatcher: the resting books of a venue, walked by each closed candle.

The one matching engine of the simulated venues. The paper exchange (spot) and the Bybit
emulator (spot through the paper exchange, linear through its own margin settlement) put their
resting orders here and are called back, in path order, for every order a candle crosses; what a
fill does to balances or positions is theirs to decide.

While a candle is being matched, "now" and the last price of its symbol are the path point being
walked, so an order placed from a callback at that moment sees the price the fill happened at,
and a new resting order joins the book only after the candle (no same-candle round trip).
`walk` pauses after each order it fills or drops (a triggered stop the free balance cannot cover),
so a venue's user reacts at that point of the path: an order it cancels then no longer fills later
in the candle. At a stop's trigger the market is at the stop's fill price (its trigger, or the
open of a gap): a market order sent in reaction fills there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal

from traderagent.domain import Candle, Instrument, Liquidity
from traderagent.exchanges.paper.book import RestingOrder, SymbolBook
from traderagent.exchanges.paper.matching import (
    FILL_MODELS,
    FillModel,
    Path,
    crossings,
    ordered_path,
    path_points,
    point_ts,
)

Execute = Callable[[RestingOrder, Decimal, Liquidity, int], object]
"""Called for each crossed order with (order, fill price, liquidity, fill time in ms)."""


class CandleMatcher:
    """Books per symbol, last prices, and the candle walk. Never reads wall time."""

    __slots__ = (
        "_books",
        "_closes",
        "_deferred",
        "_execute",
        "_fill_model",
        "_instruments",
        "_last",
        "_live",
        "_now_ms",
        "path",
    )

    def __init__(
        self,
        fill_model: FillModel,
        now_ms: Callable[[], int],
        execute: Execute,
        instruments: Mapping[str, Instrument],
    ) -> None:
        """`instruments`: the venue's listing (read live), whose ticks the candle path is on."""
        if fill_model not in FILL_MODELS:
            raise ValueError(f"fill_model must be one of {', '.join(FILL_MODELS)}: {fill_model!r}")
        self._fill_model: FillModel = fill_model
        self._instruments = instruments
        self._now_ms = now_ms
        self._execute = execute
        self._books: dict[str, SymbolBook] = {}
        self._last: dict[str, float] = {}
        self._closes: dict[str, tuple[float, float, Instrument]] = {}
        """Per symbol, the close of the last candle matched, its path point and the instrument
        whose tick that point is on: the next candle's walk starts there, converting nothing
        again."""
        self._live: tuple[str, float, int] | None = None  # (symbol, price, ts) while matching
        self._deferred: list[RestingOrder] = []  # placed while matching; rest after the walk
        self.path: Path | None = None
        """The path of the last candle whose orders were walked (what a fill saw after it)."""

    def on_candle(self, candle: Candle) -> None:
        """Fill the resting orders of `candle.symbol` along its path, then record its close."""
        for _ in self.walk(candle):
            pass

    def walk(self, candle: Candle) -> Iterable[None]:
        """`on_candle`, pausing after each order it fills: the caller routes that fill and acts
        on it (a cancel, a new order) at that point of the path, before the walk goes on. Run
        it to its end. A candle that crosses nothing (most) is done at once: an empty walk,
        no generator built for it."""
        book = self._books.get(candle.symbol)
        if book is not None and book.may_cross(candle.low, candle.high):
            return self._walk(book, candle)
        self._last[candle.symbol] = candle.close
        return ()

    def _walk(self, book: SymbolBook, candle: Candle) -> Iterator[None]:
        yield from self._match(book, candle)
        self._last[candle.symbol] = candle.close

    def band(self, symbol: str) -> tuple[float, float]:
        """(highest resting buy, lowest resting sell) of `symbol`, -inf / inf for an empty
        side: a candle fills nothing unless its low is strictly below the first or its high
        strictly above the second (the same test as `on_candle`'s pre-check; a stop counts
        as a limit one float beyond its trigger, since a touch triggers it)."""
        book = self._books.get(symbol)
        if book is None:
            return -math.inf, math.inf
        buys, sells = book.buys, book.sells
        low = buys[0].key if buys else -math.inf
        high = sells[0].key if sells else math.inf
        if book.stop_sells:  # a stop triggers on a touch: strictly below the next float up
            low = max(low, math.nextafter(book.stop_sells[0].key + book.reach, math.inf))
        if book.stop_buys:
            high = min(high, math.nextafter(book.stop_buys[0].key - book.reach, -math.inf))
        return low, high

    def last_price(self, symbol: str) -> float | None:
        """The last candle close, or the path point being matched while inside `on_candle`."""
        live = self._live
        if live is not None and live[0] == symbol:
            return live[1]
        return self._last.get(symbol)

    def set_last_price(self, symbol: str, price: float) -> None:
        """Where the market was when a stored book was written (a restart resumes from it)."""
        self._last[symbol] = price

    def last_prices(self) -> dict[str, float]:
        return dict(self._last)

    def clock(self, symbol: str) -> int:
        """Now for `symbol`: the path point's time while its candle is matched, else the clock."""
        live = self._live
        if live is not None and live[0] == symbol:
            return live[2]
        return self._now_ms()

    def rest(self, resting: RestingOrder) -> None:
        """Put an order on its book; while its symbol's candle is walked, only after the walk."""
        symbol = resting.order.symbol
        live = self._live
        if live is not None and live[0] == symbol:
            self._deferred.append(resting)
        else:
            book = self._books.get(symbol)
            if book is None:  # not `setdefault`: that builds a book at every order
                inst = self._instruments.get(symbol)
                tick = 0.0 if inst is None else float(inst.tick_size)
                book = self._books[symbol] = SymbolBook(tick)
            book.add(resting)

    def withdraw(self, resting: RestingOrder) -> None:
        """Take a resting order off its book (or out of the not-yet-booked ones)."""
        book = self._books.get(resting.order.symbol)
        if book is None or not book.discard(resting):
            self._deferred.remove(resting)

    def _match(self, book: SymbolBook, candle: Candle) -> Iterator[None]:
        symbol = candle.symbol
        inst = self._instruments[symbol]  # a book exists only for a listed symbol
        o, h, lo, c = path_points(candle, inst)  # each point converted once
        adverse = book.adverse(float(lo))
        path = self.path = ordered_path(o, h, lo, c, self._fill_model, adverse)
        last = self._last.get(symbol)
        closed = self._closes.get(symbol)  # the last matched candle's close, on the tick
        if last is None:
            previous = None
        elif closed is not None and closed[0] == last and closed[2] is inst:
            previous = closed[1]
        else:
            previous = float(inst.market_price(last))
        self._closes[symbol] = (candle.close, path[3], inst)
        outer = self._live  # a callback may feed another symbol's candle from inside this one
        try:
            for resting, k, price in crossings(book, path, previous):
                ts = point_ts(candle, k)
                self._live = (symbol, price, ts)
                if resting.order.type.is_stop:  # a market order now: at the trigger, or the
                    fill = inst.market_price(price) if k == 0 else resting.price  # open: a gap
                    self._live = (symbol, float(fill), ts)  # where the market is as it fills
                    self._execute(resting, fill, Liquidity.TAKER, ts)
                else:
                    liquidity = Liquidity.TAKER if resting.taker else Liquidity.MAKER
                    self._execute(resting, resting.price, liquidity, ts)
                yield  # the fill is out: a cancel decided now applies from this point on
        finally:
            self._live = outer
            waiting = self._deferred
            for resting in waiting:
                if resting.order.symbol == symbol:
                    book.add(resting)
            self._deferred = [r for r in waiting if r.order.symbol != symbol]
