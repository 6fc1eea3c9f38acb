"""Public topics of the replay: `tickers`, `kline.{interval}`, `orderbook.{depth}` and
`publicTrade`, per category.

Every closed step pushes to the subscribers of its symbols: a ticker (a full snapshot on spot,
which has no bid/ask on WS; a snapshot then deltas of the changed fields on linear), the
kline bucket the candle fell into (`confirm` true once the bucket is complete), the synthetic
book around the close (depth 1: a snapshot each time; 50, 200, 1000: a snapshot, then deltas
where a size "0" deletes a level) and the candle's public trade. A subscription gets the
current state at once (trades: from the next candle on).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Candle, Instrument
from traderagent.exchanges.emulator.book import (
    WS_DEPTHS,
    DepthBook,
    book_delta,
    depth_book,
    public_trade,
)
from traderagent.exchanges.emulator.errors import BybitError
from traderagent.exchanges.emulator.funding import DEFAULT_FUNDING_RATE
from traderagent.exchanges.emulator.instruments import CATEGORIES
from traderagent.exchanges.emulator.ledger import Ledger
from traderagent.exchanges.emulator.quotes import (
    bars,
    interval_ms,
    kline_push,
    ticker_item,
    top_of_book,
)
from traderagent.exchanges.emulator.replay import MarketReplay
from traderagent.exchanges.emulator.streams import Connection
from traderagent.marketdata import CandleSeries

SPOT_WS_HIDDEN = ("bid1Price", "bid1Size", "ask1Price", "ask1Size")


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed public topic name."""

    name: str
    kind: str  # tickers | kline | orderbook | publicTrade
    symbol: str
    interval: str = ""  # the kline interval, or the book's depth


class MarketStream:
    """Subscribers per category and the messages each step sends them."""

    def __init__(
        self,
        replay: MarketReplay,
        ledger: Ledger,
        spread_bps: float,
        funding_rate: Decimal = DEFAULT_FUNDING_RATE,
    ) -> None:
        self._replay = replay
        self._ledger = ledger
        self._spread_bps = spread_bps
        self._funding_rate = funding_rate
        self.connections: dict[str, set[Connection]] = {c: set() for c in CATEGORIES}
        self._seq = 0

    def parse(self, category: str, name: object) -> Topic | None:
        """The topic, or None if the emulator does not serve it in this category."""
        if not isinstance(name, str):
            return None
        parts = name.split(".")
        if len(parts) == 2 and parts[0] == "tickers":
            topic = Topic(name, "tickers", parts[1])
        elif len(parts) == 3 and parts[0] == "orderbook" and parts[1] in WS_DEPTHS[category]:
            topic = Topic(name, "orderbook", parts[2], parts[1])
        elif len(parts) == 2 and parts[0] == "publicTrade":
            topic = Topic(name, "publicTrade", parts[1])
        elif len(parts) == 3 and parts[0] == "kline":
            topic = Topic(name, "kline", parts[2], parts[1])
            try:
                interval_ms(topic.interval, self._replay.interval_ms)
            except BybitError:
                return None
        else:
            return None
        return topic if self._ledger.rules_for(category, topic.symbol) else None

    def send_current(self, connection: Connection, category: str, topic: Topic) -> None:
        """What a new subscription gets at once (when there is market data); public trades
        start with the next candle."""
        if len(self._replay.closed(topic.symbol)) and topic.kind != "publicTrade":
            self._send(connection, category, topic)

    def on_step(self, candles: list[Candle]) -> None:
        by_symbol = {c.symbol: c for c in candles}
        self._seq += 1
        for category, connections in self.connections.items():
            for connection in list(connections):
                for name in list(connection.topics):
                    topic = self.parse(category, name)
                    if topic is None or topic.symbol not in by_symbol:
                        continue
                    if topic.kind == "publicTrade":
                        self._send_trade(connection, category, topic, by_symbol[topic.symbol])
                    else:
                        self._send(connection, category, topic)

    def _send_trade(
        self, connection: Connection, category: str, topic: Topic, candle: Candle
    ) -> None:
        rules = self._ledger.rules_for(category, topic.symbol)
        if rules is None:
            return
        now = self._replay.now_ms()
        item = public_trade(candle, rules.instrument, self._seq, now)
        message = {"topic": topic.name, "type": "snapshot", "ts": now, "data": [item]}
        connection.send(message, push=True)

    def _send(self, connection: Connection, category: str, topic: Topic) -> None:
        now = self._replay.now_ms()
        closed = self._replay.closed(topic.symbol)
        rules = self._ledger.rules_for(category, topic.symbol)
        if rules is None:
            return
        inst = rules.instrument
        book = top_of_book(
            inst, float(closed.close[-1]), float(closed.volume[-1]), self._spread_bps
        )
        if topic.kind == "orderbook":
            message = self._book(connection, topic, inst, closed, now)
        elif topic.kind == "kline":
            length = interval_ms(topic.interval, self._replay.interval_ms)
            bar = bars(closed, length, None, None, 1)[-1]
            items = [kline_push(bar, topic.interval, now)]
            message = {"topic": topic.name, "data": items, "ts": now, "type": "snapshot"}
        else:
            message = self._ticker(
                connection,
                category,
                topic,
                ticker_item(category, inst, closed, book, now, self._funding_rate),
            )
        connection.send(message, push=True)

    def _book(
        self, connection: Connection, topic: Topic, inst: Instrument, closed: CandleSeries, now: int
    ) -> dict[str, object]:
        """Level 1 is a snapshot every time; deeper books a snapshot first, then deltas."""
        last, volume = float(closed.close[-1]), float(closed.volume[-1])
        book = depth_book(inst, last, volume, self._spread_bps, int(topic.interval))
        previous = connection.last_book.get(topic.name)
        connection.last_book[topic.name] = book
        if topic.interval == "1" or not isinstance(previous, DepthBook):
            kind, bids, asks = "snapshot", book.bids, book.asks
        else:
            kind = "delta"
            bids, asks = book_delta(previous, book)
        data = {
            "s": topic.symbol,
            "b": book.side_json(bids),
            "a": book.side_json(asks),
            "u": self._seq,
            "seq": self._seq,
        }
        return {"topic": topic.name, "type": kind, "ts": now, "data": data, "cts": now}

    def _ticker(
        self, connection: Connection, category: str, topic: Topic, item: dict[str, object]
    ) -> dict[str, object]:
        now = self._replay.now_ms()
        if category == "spot":
            data = {k: v for k, v in item.items() if k not in SPOT_WS_HIDDEN}
            return {
                "topic": topic.name,
                "ts": now,
                "type": "snapshot",
                "cs": self._seq,
                "data": data,
            }
        previous = connection.last_ticker.get(topic.name)
        connection.last_ticker[topic.name] = item
        if previous is None:
            kind, data = "snapshot", item
        else:
            changed = {k: v for k, v in item.items() if previous.get(k) != v}
            kind, data = "delta", {"symbol": topic.symbol, **changed}
        return {"topic": topic.name, "type": kind, "data": data, "cs": self._seq, "ts": now}
