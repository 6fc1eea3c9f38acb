"""Finding an order by client order id on any exchange: its open orders, then its history.

ccxt has no unified look-up by client order id (each exchange names the parameter its own
way, and some have none), so the venue asks the lists every exchange has: open orders, then
the finished ones (`Capabilities.history`), and matches `clientOrderId`.
"""

from __future__ import annotations

import re
from typing import Any

from traderagent.exchanges.ccxt.capabilities import Capabilities
from traderagent.exchanges.ccxt.parse import Item


def snake(name: str) -> str:
    """ccxt's camelCase method name as its Python method (`fetchClosedOrders` -> ...)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class OrderLists:
    """The exchange's order lists of one market type, read through ccxt."""

    def __init__(self, client: Any, caps: Capabilities) -> None:
        self.client = client
        self.caps = caps

    async def open(self, market: str) -> list[Item]:
        params = self._params("fetchOpenOrders")
        return list(await self.client.fetch_open_orders(market, params=params))

    async def finished(self, market: str) -> list[Item]:
        """Recent finished orders (filled, cancelled, rejected), each once."""
        seen: dict[str, Item] = {}
        for method in self.caps.history:
            params = self._params(method)
            for item in await getattr(self.client, snake(method))(market, params=params):
                if str(item.get("status")) != "open":
                    seen.setdefault(str(item.get("id")), item)
        return list(seen.values())

    def _params(self, method: str) -> dict[str, Any]:
        """Every page where ccxt pages the exchange's list; its first page elsewhere."""
        return {"paginate": True} if method in self.caps.paginated else {}

    async def find(self, market: str, wire_id: str) -> Item | None:
        """The exchange's order sent with client id `wire_id`: open first, then finished."""
        for item in await self.open(market):
            if item.get("clientOrderId") == wire_id:
                return item
        for item in await self.finished(market):
            if item.get("clientOrderId") == wire_id:
                return item
        return None
