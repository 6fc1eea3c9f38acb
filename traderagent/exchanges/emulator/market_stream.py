"""Public topics of the replay: `tickers`, `kline.{interval}` and `orderbook.1`, per category.

Every closed step pushes to the subscribers of its symbols: a ticker (a full snapshot on spot,
which has no bid/ask on WS; a snapshot then deltas of the changed fields on linear), the
kline bucket the candle fell into (`confirm` true once the bucket is complete), and a one-level
book snapshot around the close. A subscription gets the current state at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from traderagent.domain import Candle
from traderagent.exchanges.emulator.errors import BybitError
from traderagent.exchanges.emulator.instruments import CATEGORIES
from traderagent.exchanges.emulator.instruments import decimal_text as num
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

SPOT_WS_HIDDEN = ("bid1Price", "bid1Size", "ask1Price", "ask1Size")


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed public topic name."""

    name: str
    kind: str  # tickers | kline | orderbook
    symbol: str
    interval: str = ""


class MarketStream:
    """Subscribers per category and the messages each step sends them."""

    def __init__(self, replay: MarketReplay, ledger: Ledger, spread_bps: float) -> None:
        self._replay = replay
        self._ledger = ledger
        self._spread_bps = spread_bps
        self.connections: dict[str, set[Connection]] = {c: set() for c in CATEGORIES}
        self._seq = 0

    def parse(self, category: str, name: object) -> Topic | None:
        """The topic, or None if the emulator does not serve it in this category."""
        if not isinstance(name, str):
            return None
        parts = name.split(".")
        if len(parts) == 2 and parts[0] == "tickers":
            topic = Topic(name, "tickers", parts[1])
        elif len(parts) == 3 and parts[0] == "orderbook" and parts[1] == "1":
            topic = Topic(name, "orderbook", parts[2])
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
        """What a new subscription gets at once (when there is market data)."""
        if len(self._replay.closed(topic.symbol)):
            self._send(connection, category, topic)

    def on_step(self, candles: list[Candle]) -> None:
        symbols = {c.symbol for c in candles}
        self._seq += 1
        for category, connections in self.connections.items():
            for connection in list(connections):
                for name in list(connection.topics):
                    topic = self.parse(category, name)
                    if topic is not None and topic.symbol in symbols:
                        self._send(connection, category, topic)

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
            data = {
                "s": topic.symbol,
                "b": [[num(book.bid), num(book.bid_size)]],
                "a": [[num(book.ask), num(book.ask_size)]],
                "u": self._seq,
                "seq": self._seq,
            }
            message = {"topic": topic.name, "type": "snapshot", "ts": now, "data": data, "cts": now}
        elif topic.kind == "kline":
            length = interval_ms(topic.interval, self._replay.interval_ms)
            bar = bars(closed, length, None, None, 1)[-1]
            items = [kline_push(bar, topic.interval, now)]
            message = {"topic": topic.name, "data": items, "ts": now, "type": "snapshot"}
        else:
            message = self._ticker(
                connection, category, topic, ticker_item(category, inst, closed, book, now)
            )
        connection.send(message, push=True)

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
