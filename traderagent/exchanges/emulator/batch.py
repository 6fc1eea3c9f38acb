"""POST /v5/order/create-batch, amend-batch and cancel-batch: up to 10 requests in one call.

Each request is handled as its single counterpart would handle it, in order; one refused does
not stop the others. The answer lists one item per request (an empty `orderId` for a refused
one) and `retExtInfo.list` the code and message of each, as Bybit does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from traderagent.exchanges.emulator.entry import category_of
from traderagent.exchanges.emulator.errors import BybitError, params_error
from traderagent.exchanges.emulator.gateway import EXT_INFO

MAX_BATCH = 10
Single = Callable[[Mapping[str, object]], dict[str, object]]


class BatchDesk:
    """Runs each request of a batch through the single endpoint's handler."""

    def __init__(self, now_ms: Callable[[], int], create: Single, amend: Single, cancel: Single):
        self._now_ms = now_ms
        self._create, self._amend, self._cancel = create, amend, cancel

    def create(self, body: Mapping[str, object]) -> dict[str, object]:
        return self._run(body, self._create, with_time=True)

    def amend(self, body: Mapping[str, object]) -> dict[str, object]:
        return self._run(body, self._amend)

    def cancel(self, body: Mapping[str, object]) -> dict[str, object]:
        return self._run(body, self._cancel)

    def _run(
        self, body: Mapping[str, object], single: Single, *, with_time: bool = False
    ) -> dict[str, object]:
        category = category_of(body)
        requests = body.get("request")
        if not isinstance(requests, list) or not requests:
            raise params_error("request must be a non-empty list")
        if len(requests) > MAX_BATCH:
            raise params_error(f"a batch holds at most {MAX_BATCH} requests")
        items: list[dict[str, object]] = []
        codes: list[dict[str, object]] = []
        for request in requests:
            if not isinstance(request, dict):
                raise params_error("each request must be a JSON object")
            symbol = request.get("symbol", "")
            item: dict[str, object] = {
                "category": category,
                "symbol": symbol,
                "orderId": "",
                "orderLinkId": request.get("orderLinkId", ""),
            }
            try:
                item.update(single({**request, "category": category}))
                codes.append({"code": 0, "msg": "OK"})
            except BybitError as error:
                codes.append({"code": error.code, "msg": error.message})
            if with_time:
                item["createAt"] = str(self._now_ms()) if item["orderId"] else ""
            items.append(item)
        return {"list": items, EXT_INFO: {"list": codes}}
