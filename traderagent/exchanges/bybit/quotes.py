"""Best prices: tickers (REST and the merged WS snapshot/delta stream) and the top of book."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from traderagent.exchanges.bybit.parse import dec


@dataclass(frozen=True, slots=True)
class Ticker:
    """The latest 24h ticker of one symbol. Spot WS tickers carry no bid/ask (None)."""

    symbol: str
    last_price: Decimal
    bid: Decimal | None
    ask: Decimal | None
    mark_price: Decimal | None
    ts: int


@dataclass(frozen=True, slots=True)
class TopOfBook:
    """Level 1 of the order book (`orderbook.1`): best bid and ask with their sizes."""

    symbol: str
    bid: Decimal | None
    bid_size: Decimal
    ask: Decimal | None
    ask_size: Decimal
    ts: int


def _maybe(item: Mapping[str, Any], key: str) -> Decimal | None:
    value = item.get(key)
    return dec(value) if value not in (None, "") else None


def parse_ticker(item: Mapping[str, Any], ts: int) -> Ticker:
    """A ticker item (REST list entry, or the merged state of a WS ticker stream)."""
    return Ticker(
        symbol=str(item["symbol"]),
        last_price=dec(item.get("lastPrice")),
        bid=_maybe(item, "bid1Price"),
        ask=_maybe(item, "ask1Price"),
        mark_price=_maybe(item, "markPrice"),
        ts=ts,
    )


class TickerState:
    """Linear tickers send a snapshot, then deltas with only the changed fields: merge them."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, Any]] = {}

    def apply(self, message: Mapping[str, Any]) -> Ticker:
        data = message["data"]
        symbol = str(data["symbol"])
        if message.get("type") == "snapshot" or symbol not in self._fields:
            self._fields[symbol] = dict(data)
        else:
            self._fields[symbol].update(data)
        return parse_ticker(self._fields[symbol], int(message.get("ts") or 0))


def parse_top_of_book(message: Mapping[str, Any]) -> TopOfBook:
    """An `orderbook.1` message: level 1 is always a full snapshot of one level per side."""
    data = message["data"]
    bids, asks = data.get("b") or [], data.get("a") or []
    return TopOfBook(
        symbol=str(data["s"]),
        bid=dec(bids[0][0]) if bids else None,
        bid_size=dec(bids[0][1]) if bids else Decimal(0),
        ask=dec(asks[0][0]) if asks else None,
        ask_size=dec(asks[0][1]) if asks else Decimal(0),
        ts=int(message.get("ts") or 0),
    )
