"""The V5 endpoints the client uses, one method each, with their paging rules.

Market data and instruments come back as domain values; order and execution items come back
as raw V5 objects (the exchange attaches its own bot/tag bookkeeping when it parses them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from typing import Any

from traderagent.domain import Balance, Candle, Instrument, Position
from traderagent.exchanges.bybit.errors import InvalidRequestError
from traderagent.exchanges.bybit.parse import (
    interval_code,
    parse_instrument,
    parse_kline_row,
    parse_position,
    parse_wallet,
)
from traderagent.exchanges.bybit.quotes import Ticker, parse_ticker
from traderagent.exchanges.bybit.rest import BybitRest, Params, RetryPolicy, Verbatim, transient

log = logging.getLogger("traderagent.exchanges.bybit")

Item = dict[str, Any]
RowKey = Callable[[Item], Hashable]
KLINE_PAGE = 1000
LEVERAGE_NOT_MODIFIED = 110043
SETTLE_COIN = "USDT"  # linear queries without a symbol are scoped to the USDT settle coin


class BybitEndpoints:
    """Calls of one account category (`linear` or `spot`) over a `BybitRest`."""

    def __init__(self, rest: BybitRest, category: str = "linear") -> None:
        self.rest = rest
        self.category = category

    # -- market ----------------------------------------------------------------------------

    async def server_time(self) -> int:
        result = (await self.rest.call("GET", "/v5/market/time")).result
        return int(result["timeNano"]) // 1_000_000

    async def tickers(self, symbol: str | None = None) -> list[Ticker]:
        reply = await self.rest.call(
            "GET", "/v5/market/tickers", {"category": self.category, "symbol": symbol}
        )
        return [parse_ticker(item, reply.time_ms) for item in reply.result.get("list") or []]

    async def klines(
        self, symbol: str, interval_ms: int, start_ms: int, end_ms: int
    ) -> list[Candle]:
        """Closed candles with open time in [start_ms, end_ms], oldest first. Bybit pages
        newest first, so each page moves `end` back below the oldest row it returned."""
        candles: dict[int, Candle] = {}
        end, server_ms = end_ms, 0
        while end >= start_ms:
            params = {
                "category": self.category,
                "symbol": symbol,
                "interval": interval_code(interval_ms),
                "start": start_ms,
                "end": end,
                "limit": KLINE_PAGE,
            }
            reply = await self.rest.call("GET", "/v5/market/kline", params)
            server_ms = max(server_ms, reply.time_ms)
            rows = reply.result.get("list") or []
            for row in rows:
                candle = parse_kline_row(symbol, row, interval_ms)
                if start_ms <= candle.ts <= end_ms:
                    candles[candle.ts] = candle
            oldest = min((int(row[0]) for row in rows), default=start_ms)
            if len(rows) < KLINE_PAGE or oldest <= start_ms:
                break
            end = oldest - 1
        return [c for _, c in sorted(candles.items()) if c.close_time <= server_ms]

    async def latest_kline_ms(self, symbol: str, interval_ms: int) -> int | None:
        """Open time of the venue's newest candle (its market time, which a replaying server
        keeps far from the wall clock); None when it has none."""
        params = {
            "category": self.category,
            "symbol": symbol,
            "interval": interval_code(interval_ms),
            "limit": 1,
        }
        reply = await self.rest.call("GET", "/v5/market/kline", params)
        rows = reply.result.get("list") or []
        return int(rows[0][0]) if rows else None

    async def instruments(
        self, symbol: str | None = None, page_size: int = 1000
    ) -> dict[str, Instrument]:
        """Every trading instrument of the category (or one), following `nextPageCursor`."""
        params = {"category": self.category, "symbol": symbol, "limit": page_size}
        items = await self._paged("/v5/market/instruments-info", params, by("symbol"), auth=False)
        found = (parse_instrument(item) for item in items)
        return {i.symbol: i for i in found}

    # -- trade -----------------------------------------------------------------------------

    async def create_order(self, body: Params, policy: RetryPolicy) -> Item:
        """Send an order; the result is the ack `{orderId, orderLinkId}`."""
        payload = {"category": self.category, **body}
        return (
            await self.rest.call("POST", "/v5/order/create", payload, auth=True, policy=policy)
        ).result

    async def cancel_order(
        self,
        symbol: str,
        order_link_id: str,
        policy: RetryPolicy = transient,
        order_filter: str = "",
    ) -> Item:
        """`order_filter`: spot's `StopOrder` for a conditional order (else omitted)."""
        body = {"category": self.category, "symbol": symbol, "orderLinkId": order_link_id}
        if order_filter:
            body["orderFilter"] = order_filter
        reply = await self.rest.call("POST", "/v5/order/cancel", body, auth=True, policy=policy)
        return reply.result

    async def cancel_all(self, symbol: str) -> list[Item]:
        body = {"category": self.category, "symbol": symbol}
        result = (await self.rest.call("POST", "/v5/order/cancel-all", body, auth=True)).result
        return list(result.get("list") or [])

    async def realtime_orders(
        self, symbol: str | None = None, order_link_id: str | None = None, *, closed: bool = False
    ) -> list[Item]:
        """Open orders (or, with `closed`, up to 500 recent closed ones), newest first. A
        query by `order_link_id` also finds a closed order."""
        params = {
            "category": self.category,
            **self._scope(symbol),
            "orderLinkId": order_link_id,
            "openOnly": 1 if closed else 0,
            "limit": 50,
        }
        return await self._paged("/v5/order/realtime", params, by("orderId"))

    async def order_history(
        self,
        symbol: str | None = None,
        order_link_id: str | None = None,
        start_ms: int | None = None,
    ) -> list[Item]:
        params = {
            "category": self.category,
            **self._scope(symbol),
            "orderLinkId": order_link_id,
            "startTime": start_ms,
            "limit": 50,
        }
        return await self._paged("/v5/order/history", params, by("orderId"))

    async def executions(
        self,
        symbol: str | None = None,
        order_link_id: str | None = None,
        start_ms: int | None = None,
    ) -> list[Item]:
        """Executions, newest first (all exec types; trades have `execType` `Trade`)."""
        params = {
            "category": self.category,
            "symbol": symbol,
            "orderLinkId": order_link_id,
            "startTime": start_ms,
            "limit": 100,
        }
        return await self._paged("/v5/execution/list", params, by("execId"))

    # -- account and positions -------------------------------------------------------------

    async def wallet_balance(self, coins: str | None = None) -> dict[str, Balance]:
        params = {"accountType": "UNIFIED", "coin": coins}
        reply = await self.rest.call("GET", "/v5/account/wallet-balance", params, auth=True)
        return parse_wallet(reply.result)

    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Linear positions (a symbol's even when flat; without one, the non-zero ones)."""
        return [parse_position(item) for item in await self.position_items(symbol)]

    async def position_items(self, symbol: str | None = None) -> list[Item]:
        """The position list as Bybit answers it (leverage, liqPrice... beside the size)."""
        params = {"category": self.category, **self._scope(symbol), "limit": 200}
        return await self._paged("/v5/position/list", params, by("symbol", "positionIdx"))

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        """Set both sides' leverage; "not modified" (110043) counts as success."""
        value = format(leverage, "f")
        body = {
            "category": self.category,
            "symbol": symbol,
            "buyLeverage": value,
            "sellLeverage": value,
        }
        try:
            await self.rest.call("POST", "/v5/position/set-leverage", body, auth=True)
        except InvalidRequestError as err:
            if err.code != LEVERAGE_NOT_MODIFIED:
                raise

    # -- helpers ---------------------------------------------------------------------------

    def _scope(self, symbol: str | None) -> dict[str, str | None]:
        if symbol is None and self.category == "linear":
            return {"settleCoin": SETTLE_COIN}
        return {"symbol": symbol}

    async def _paged(
        self,
        path: str,
        params: Mapping[str, Any],
        key: RowKey,
        *,
        auth: bool = True,
        max_pages: int = 20,
    ) -> list[Item]:
        """Every row of a cursor-paged query, each once (by `key`), newest first as sent.

        Bybit returns a `nextPageCursor` even with the last page, so paging stops at an empty
        page and at a missing or repeated cursor. A row that a later page repeats (rows shift
        while new ones arrive) is dropped and counted in the log. The cursor goes back exactly
        as received (`Verbatim`), percent-escapes and all."""
        items: list[Item] = []
        keys: set[Hashable] = set()
        cursors: set[str] = set()
        cursor, repeats = "", 0
        for _ in range(max_pages):
            page = {**params, "cursor": Verbatim(cursor) if cursor else None}
            result = (await self.rest.call("GET", path, page, auth=auth, policy=transient)).result
            rows = result.get("list") or []
            for row in rows:
                row_key = key(row)
                if row_key in keys:
                    repeats += 1
                    continue
                keys.add(row_key)
                items.append(row)
            cursor = str(result.get("nextPageCursor") or "")
            if not rows or not cursor or cursor in cursors:
                break
            cursors.add(cursor)
        else:
            log.warning(
                "bybit: %s still had pages after %d; the %d rows read are used",
                path,
                max_pages,
                len(items),
            )
        if repeats:
            log.info("bybit: %s repeated %d row(s) across pages; each kept once", path, repeats)
        return items


def by(*fields: str) -> RowKey:
    """A row key of these fields (an order by `orderId`, an execution by `execId`...)."""
    return lambda row: tuple(str(row.get(name)) for name in fields)
