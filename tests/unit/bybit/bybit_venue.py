"""A scripted order venue on `FakeBybit`: orders kept by orderLinkId, as Bybit's REST shows them."""

from __future__ import annotations

from typing import Any

from bybit_fakes import CREDS, LINEAR, Call, FakeBybit, FakeClock

from traderagent.exchanges.bybit import BybitConfig, BybitExchange

Item = dict[str, Any]


class FakeVenue(FakeBybit):
    """Create, cancel, realtime and history over an in-memory order table."""

    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[str, Item] = {}
        self.history_only: set[str] = set()  # orders realtime no longer shows
        self.routes[("GET", "/v5/market/instruments-info")] = lambda c: {
            "category": "linear",
            "list": [LINEAR],
            "nextPageCursor": "",
        }
        self.routes[("GET", "/v5/market/time")] = lambda c: {
            "timeSecond": "1700000000",
            "timeNano": "1700000000000000000",
        }
        self.routes[("POST", "/v5/order/create")] = self.create
        self.routes[("POST", "/v5/order/cancel")] = self.cancel
        self.routes[("GET", "/v5/order/realtime")] = self.realtime
        self.routes[("GET", "/v5/order/history")] = self.history

    def create(self, call: Call) -> Item | tuple[int, str]:
        body = call.body
        link = body["orderLinkId"]
        if link in self.orders:
            return (110072, "OrderLinkedID is duplicate")
        self.orders[link] = {
            "orderId": f"oid-{len(self.orders) + 1}",
            "orderLinkId": link,
            "symbol": body["symbol"],
            "side": body["side"],
            "orderType": body["orderType"],
            "qty": body["qty"],
            "price": body.get("price", "0"),
            "orderStatus": "New",
            "cumExecQty": "0",
            "avgPrice": "0",
            "rejectReason": "EC_NoError",
            "createdTime": str(1_700_000_000_000 + len(self.orders)),
            "updatedTime": str(1_700_000_000_000 + len(self.orders)),
        }
        return {"orderId": self.orders[link]["orderId"], "orderLinkId": link}

    def cancel(self, call: Call) -> Item | tuple[int, str]:
        order = self.orders.get(call.body["orderLinkId"])
        if order is None or order["orderStatus"] not in ("New", "PartiallyFilled"):
            return (110001, "order not exists or too late to cancel")
        order["orderStatus"] = "Cancelled"
        return {"orderId": order["orderId"], "orderLinkId": order["orderLinkId"]}

    def realtime(self, call: Call) -> Item:
        link = call.params.get("orderLinkId")
        rows = [
            o
            for o in self.orders.values()
            if (link is None or o["orderLinkId"] == link)
            and o["orderLinkId"] not in self.history_only
        ]
        if link is None:
            want_open = call.params.get("openOnly", "0") == "0"
            rows = [
                o for o in rows if (o["orderStatus"] in ("New", "PartiallyFilled")) == want_open
            ]
        return {"category": "linear", "list": rows[::-1], "nextPageCursor": ""}

    def history(self, call: Call) -> Item:
        link = call.params.get("orderLinkId")
        rows = [o for o in self.orders.values() if link is None or o["orderLinkId"] == link]
        return {"category": "linear", "list": rows[::-1], "nextPageCursor": ""}


def make_exchange(venue: FakeBybit, clock: FakeClock | None = None) -> BybitExchange:
    clock = clock or FakeClock()
    config = BybitConfig(env="custom", url="http://fake.test", credentials="test")
    return BybitExchange(config, CREDS, transport=venue.transport(), clock=clock, sleep=clock.sleep)
