"""The read endpoints' filters: which orders and executions a query selects, and paging.

Lists come newest first. A cursor is the offset of the next page as an opaque string; as on
Bybit, every page that has items carries a `nextPageCursor` (the last one too), and only the
empty page after it carries "". Time windows are in market (replay) time and span at
most 7 days, defaulting to the 7 days up to now, as on Bybit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.exchanges.spot_rules import split_symbol

WEEK_MS = 7 * 86_400_000
T = TypeVar("T")
Params = Mapping[str, str]


def limit_of(params: Params, default: int, maximum: int) -> int:
    text = params.get("limit", "")
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise params_error(f"limit must be an integer in [1, {maximum}], got {text!r}")
    return int(text)


def page(items: Sequence[T], params: Params, default: int, maximum: int) -> tuple[list[T], str]:
    """One page of `items` and the cursor of the next ("" when there is none)."""
    limit = limit_of(params, default, maximum)
    cursor = params.get("cursor", "")
    if cursor and not cursor.isdigit():
        raise params_error(f"cursor {cursor!r} is invalid")
    start = int(cursor) if cursor else 0
    found = list(items[start : start + limit])
    # as Bybit: every page with items carries a cursor, the last one too; the page after
    # the last is empty and carries none
    return found, str(start + len(found)) if found else ""


def time_window(params: Params, now_ms: int) -> tuple[int, int]:
    """[startTime, endTime] in ms: both given, one given (7 days from it), or the last 7 days."""
    start_text, end_text = params.get("startTime", ""), params.get("endTime", "")
    for name, text in (("startTime", start_text), ("endTime", end_text)):
        if text and not text.isdigit():
            raise params_error(f"{name} must be epoch milliseconds, got {text!r}")
    if start_text and end_text:
        start, end = int(start_text), int(end_text)
    elif start_text:
        start = int(start_text)
        end = start + WEEK_MS
    elif end_text:
        end = int(end_text)
        start = end - WEEK_MS
    else:
        start, end = now_ms - WEEK_MS, now_ms
    if end < start or end - start > WEEK_MS:
        raise params_error("startTime and endTime must span at most 7 days, start before end")
    return start, end


def require_scope(category: str, params: Params) -> None:
    """Linear queries need one of symbol, baseCoin or settleCoin."""
    if category == "linear" and not any(
        params.get(k) for k in ("symbol", "baseCoin", "settleCoin")
    ):
        raise params_error("symbol, baseCoin or settleCoin is required for linear")


def _in_scope(category: str, symbol: str, record_category: str, params: Params) -> bool:
    if record_category != category:
        return False
    if params.get("symbol") and params["symbol"] != symbol:
        return False
    base, quote = split_symbol(symbol)
    if params.get("baseCoin") and params["baseCoin"] != base:
        return False
    return not (params.get("settleCoin") and params["settleCoin"] != quote)


def _matches_ids(order_id: str, link_id: str, params: Params) -> bool:
    if params.get("orderId") and params["orderId"] != order_id:
        return False
    return not (params.get("orderLinkId") and params["orderLinkId"] != link_id)


def realtime_orders(
    records: Iterable[OrderRecord], category: str, params: Params
) -> list[OrderRecord]:
    """Open orders (openOnly 0, the default), recent closed ones (1 or 2), or any by id."""
    require_scope(category, params)
    by_id = bool(params.get("orderId") or params.get("orderLinkId"))
    closed = params.get("openOnly", "0") in ("1", "2")
    selected = [
        r
        for r in records
        if _in_scope(category, r.symbol, r.category, params)
        and _matches_ids(r.order_id, r.order_link_id, params)
        and (by_id or r.is_open != closed)
    ]
    return _newest_first(selected)[: 500 if closed and not by_id else None]


def history_orders(
    records: Iterable[OrderRecord], category: str, params: Params, now_ms: int
) -> list[OrderRecord]:
    """Orders of every status created in the time window, filtered like realtime."""
    start, end = time_window(params, now_ms)
    status = params.get("orderStatus", "")
    selected = [
        r
        for r in records
        if _in_scope(category, r.symbol, r.category, params)
        and _matches_ids(r.order_id, r.order_link_id, params)
        and (not status or r.status == status)
        and start <= r.created_ms <= end
    ]
    return _newest_first(selected)


def executions(
    records: Iterable[ExecutionRecord], category: str, params: Params, now_ms: int
) -> list[ExecutionRecord]:
    """Executions (trades and fundings) in the time window, newest first."""
    start, end = time_window(params, now_ms)
    exec_type = params.get("execType", "")
    selected = [
        e
        for e in records
        if _in_scope(category, e.symbol, e.category, params)
        and _matches_ids(e.order_id, e.order_link_id, params)
        and exec_type in ("", e.exec_type)
        and start <= e.exec_time <= end
    ]
    return sorted(selected, key=lambda e: (e.exec_time, e.seq), reverse=True)


def _newest_first(records: list[OrderRecord]) -> list[OrderRecord]:
    ranked = list(enumerate(records))  # creation order breaks ties of equal createdTime
    ranked.sort(key=lambda pair: (pair[1].created_ms, pair[0]), reverse=True)
    return [r for _, r in ranked]
