"""Order entry and the read endpoints through the REST front door (in-process, no socket)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from emulator_http import FixedClock, SignedClient, bundled_head, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.marketdata import CandleSeries

LAST = 23000.0


def flat_series(n: int, price: float = LAST, symbol: str = "BTCUSDT") -> CandleSeries:
    ts = np.arange(n, dtype=np.int64) * 60_000 + 1_677_628_800_000
    p = np.full(n, price)
    return CandleSeries(symbol, 60_000, ts, p, p, p, p, np.ones(n))


def setup(n: int = 20, **kwargs: Any) -> tuple[EmulatorCore, SignedClient]:
    core = EmulatorCore([flat_series(n)], wall_ms=FixedClock(), **kwargs)
    return core, in_process(core)


def limit(
    category: str, side: str, qty: str, price: str, link: str = "", **extra: Any
) -> dict[str, Any]:
    body = {
        "category": category,
        "symbol": "BTCUSDT",
        "side": side,
        "orderType": "Limit",
        "qty": qty,
        "price": price,
        **extra,
    }
    if link:
        body["orderLinkId"] = link
    return body


@pytest.mark.parametrize(("category", "code"), [("linear", 110072), ("spot", 170141)])
async def test_duplicate_order_link_id_is_refused(category: str, code: int) -> None:
    core, client = setup()
    first = await client.create(**limit(category, "Buy", "0.01", "22000", "grid-1"))
    assert first["retCode"] == 0
    again = await client.create(**limit(category, "Buy", "0.01", "21000", "grid-1"))
    assert again["retCode"] == code
    assert [o.order_link_id for o in core.ledger.orders()] == ["grid-1"]


async def test_a_link_id_is_unique_across_categories_and_after_the_order_closes() -> None:
    core, client = setup()
    placed = await client.create(**limit("linear", "Buy", "0.01", "22000", "x-1"))
    cancel = {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "x-1"}
    assert (await client.call("POST", "/v5/order/cancel", cancel))["retCode"] == 0
    assert (await client.create(**limit("spot", "Buy", "0.01", "22000", "x-1")))[
        "retCode"
    ] == 170141
    assert placed["result"]["orderId"] == core.ledger.orders()[0].order_id


async def test_a_synchronous_refusal_leaves_no_order_and_frees_the_link_id() -> None:
    core, client = setup(balances={"USDT": Decimal(100)})
    poor = await client.create(**limit("spot", "Buy", "0.01", "22000", "big"))
    assert poor["retCode"] == 170131
    assert core.ledger.orders() == []
    ok = await client.create(**limit("spot", "Buy", "0.001", "22000", "big"))
    assert ok["retCode"] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (limit("spot", "Buy", "0.01", "22000.001"), 170134),
        (limit("spot", "Buy", "0.0100001", "22000"), 170137),
        (limit("spot", "Buy", "0.000001", "22000"), 170136),
        (limit("spot", "Hold", "0.01", "22000"), 170117),
        (limit("spot", "Buy", "0.01", "22000", timeInForce="GTX"), 170115),
        (limit("linear", "Buy", "0.01", "22000.05"), 10001),
        (limit("linear", "Buy", "0.0001", "22000"), 10001),
        (limit("linear", "Buy", "0.001", "2000"), 110094),
        (limit("linear", "Buy", "5", "22000"), 110007),
        (limit("linear", "Buy", "0.01", "22000", positionIdx=1), 10001),
        (limit("linear", "Buy", "0.01", "22000", orderLinkId="x" * 37), 10001),
        (limit("option", "Buy", "0.01", "22000"), 10001),
        (
            {
                "category": "spot",
                "symbol": "DOGEUSDT",
                "side": "Buy",
                "orderType": "Market",
                "qty": "5",
            },
            170121,
        ),
        (
            {
                "category": "linear",
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Limit",
                "qty": "1",
            },
            10001,
        ),
        (limit("linear", "Buy", "0.01", "22000", takeProfit="30000"), 10001),
    ],
)
async def test_refusals_carry_bybit_retcodes(body: dict[str, Any], code: int) -> None:
    core, client = setup()
    answer = await client.create(**body)
    assert answer["retCode"] == code, answer
    assert answer["result"] == {}
    assert core.ledger.orders() == []


async def test_post_only_that_would_take_is_acknowledged_then_cancelled() -> None:
    core, client = setup()
    answer = await client.create(
        **limit("spot", "Buy", "0.01", "23100", "po", timeInForce="PostOnly")
    )
    assert answer["retCode"] == 0
    (record,) = core.ledger.orders()
    assert (record.status, record.reject_reason) == ("Cancelled", "EC_PostOnlyWillTakeLiquidity")
    ioc = await client.create(**limit("linear", "Buy", "0.01", "22000", "ioc", timeInForce="IOC"))
    assert ioc["retCode"] == 0
    assert core.ledger.orders()[1].status == "Cancelled"
    assert core.ledger.executions() == []


async def test_spot_market_buy_qty_is_quote_coin_by_default() -> None:
    core, client = setup()
    answer = await client.create(
        category="spot", symbol="BTCUSDT", side="Buy", orderType="Market", qty="230"
    )
    assert answer["retCode"] == 0
    (execution,) = core.ledger.executions()
    assert execution.exec_qty == Decimal("0.01")  # 230 USDT / 23000
    assert execution.exec_price == Decimal("23000.00")
    base = await client.create(
        category="spot",
        symbol="BTCUSDT",
        side="Buy",
        orderType="Market",
        qty="0.02",
        marketUnit="baseCoin",
    )
    assert base["retCode"] == 0
    assert core.ledger.executions()[1].exec_qty == Decimal("0.02")


async def test_cancel_errors_and_cancel_all() -> None:
    core, client = setup()
    missing = {"category": "linear", "symbol": "BTCUSDT", "orderId": "123"}
    assert (await client.call("POST", "/v5/order/cancel", missing))["retCode"] == 110001
    spot_missing = {"category": "spot", "symbol": "BTCUSDT", "orderLinkId": "nope"}
    assert (await client.call("POST", "/v5/order/cancel", spot_missing))["retCode"] == 170213
    for i in range(3):
        await client.create(**limit("linear", "Buy", "0.01", str(22000 - i * 100), f"b{i}"))
    await client.create(**limit("spot", "Buy", "0.01", "22000", "s0"))
    needs_scope = await client.call("POST", "/v5/order/cancel-all", {"category": "linear"})
    assert needs_scope["retCode"] == 10001
    done = await client.call(
        "POST", "/v5/order/cancel-all", {"category": "linear", "settleCoin": "USDT"}
    )
    assert done["result"]["success"] == "1"
    assert [x["orderLinkId"] for x in done["result"]["list"]] == ["b0", "b1", "b2"]
    assert [o.status for o in core.ledger.orders()] == ["Cancelled"] * 3 + ["New"]
    closed = {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "b1"}
    late = await client.call("POST", "/v5/order/cancel", closed)
    assert late["retCode"] == 110001
    assert core.ledger.linear.order_margin() == 0  # every linear lock was released


async def test_realtime_history_and_paging_newest_first() -> None:
    core, client = setup()
    for i in range(5):
        await client.create(**limit("linear", "Buy", "0.01", str(22000 - i * 10), f"o{i}"))
    core.step(1)
    await client.call(
        "POST", "/v5/order/cancel", {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "o4"}
    )
    page1 = await client.call(
        "GET", "/v5/order/realtime", {"category": "linear", "symbol": "BTCUSDT", "limit": "3"}
    )
    links = [o["orderLinkId"] for o in page1["result"]["list"]]
    assert links == ["o3", "o2", "o1"]
    cursor = page1["result"]["nextPageCursor"]
    page2 = await client.call(
        "GET",
        "/v5/order/realtime",
        {"category": "linear", "symbol": "BTCUSDT", "limit": "3", "cursor": cursor},
    )
    assert [o["orderLinkId"] for o in page2["result"]["list"]] == ["o0"]
    # as on Bybit, the last page still carries a cursor; the page after it is empty, with none
    last_cursor = page2["result"]["nextPageCursor"]
    assert last_cursor != ""
    page3 = await client.call(
        "GET",
        "/v5/order/realtime",
        {"category": "linear", "symbol": "BTCUSDT", "limit": "3", "cursor": last_cursor},
    )
    assert (page3["result"]["list"], page3["result"]["nextPageCursor"]) == ([], "")
    by_link = await client.call(
        "GET",
        "/v5/order/realtime",
        {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "o4"},
    )
    (closed,) = by_link["result"]["list"]
    assert (closed["orderStatus"], closed["cancelType"]) == ("Cancelled", "CancelByUser")
    history = await client.call(
        "GET", "/v5/order/history", {"category": "linear", "orderStatus": "Cancelled"}
    )
    assert [o["orderLinkId"] for o in history["result"]["list"]] == ["o4"]
    no_scope = await client.call("GET", "/v5/order/realtime", {"category": "linear"})
    assert no_scope["retCode"] == 10001
    order = page1["result"]["list"][0]
    assert isinstance(order["positionIdx"], int) and isinstance(order["reduceOnly"], bool)
    assert all(isinstance(order[k], str) for k in ("price", "qty", "leavesQty", "createdTime"))


async def test_set_leverage_and_110043_when_unchanged() -> None:
    core, client = setup()
    body = {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5"}
    assert (await client.call("POST", "/v5/position/set-leverage", body))["retCode"] == 0
    again = await client.call("POST", "/v5/position/set-leverage", body)
    assert (again["retCode"], again["retMsg"]) == (110043, "Set leverage has not been modified")
    uneven = {**body, "sellLeverage": "6"}
    assert (await client.call("POST", "/v5/position/set-leverage", uneven))["retCode"] == 10001
    too_high = {**body, "buyLeverage": "101", "sellLeverage": "101"}
    assert (await client.call("POST", "/v5/position/set-leverage", too_high))["retCode"] == 10001
    positions = await client.call(
        "GET", "/v5/position/list", {"category": "linear", "symbol": "BTCUSDT"}
    )
    (flat,) = positions["result"]["list"]
    assert (flat["leverage"], flat["size"], flat["side"]) == ("5", "0", "")
    settle = await client.call(
        "GET", "/v5/position/list", {"category": "linear", "settleCoin": "USDT"}
    )
    assert settle["result"]["list"] == []  # only non-zero positions by settleCoin


async def test_kline_newest_first_with_inclusive_start_and_end() -> None:
    core = EmulatorCore([bundled_head(200)], wall_ms=FixedClock(), warmup=120)
    client = in_process(core)
    t0 = int(bundled_head(1).ts[0])
    query = {
        "category": "spot",
        "symbol": "BTCUSDT",
        "interval": "1",
        "start": str(t0 + 60_000),
        "end": str(t0 + 180_000),
    }
    rows = (await client.call("GET", "/v5/market/kline", query))["result"]["list"]
    assert [int(r[0]) for r in rows] == [t0 + 180_000, t0 + 120_000, t0 + 60_000]
    assert all(isinstance(v, str) for r in rows for v in r) and len(rows[0]) == 7
    five = {"category": "linear", "symbol": "BTCUSDT", "interval": "5", "limit": "3"}
    bars = (await client.call("GET", "/v5/market/kline", five))["result"]["list"]
    assert [int(r[0]) for r in bars] == [t0 + 115 * 60_000, t0 + 110 * 60_000, t0 + 105 * 60_000]
    head = bundled_head(120)
    assert float(bars[0][2]) == float(head.high[115:120].max())
    assert float(bars[0][4]) == float(head.close[119])
    future = {**query, "start": str(t0 + 500 * 60_000), "end": str(t0 + 600 * 60_000)}
    assert (await client.call("GET", "/v5/market/kline", future))["result"]["list"] == []
    default_category = {"symbol": "BTCUSDT", "interval": "1", "limit": "1"}
    assert (await client.call("GET", "/v5/market/kline", default_category))["result"][
        "category"
    ] == "linear"


async def test_instruments_info_pages_with_a_cursor_and_tickers_list_all() -> None:
    series = [flat_series(10), flat_series(10, 1500.0, "ETHUSDT")]
    core = EmulatorCore(series, wall_ms=FixedClock())
    client = in_process(core)
    first = await client.call(
        "GET", "/v5/market/instruments-info", {"category": "linear", "limit": "1"}
    )
    cursor = first["result"]["nextPageCursor"]
    second = await client.call(
        "GET", "/v5/market/instruments-info", {"category": "linear", "limit": "1", "cursor": cursor}
    )
    names = [i["symbol"] for i in first["result"]["list"] + second["result"]["list"]]
    assert names == ["BTCUSDT", "ETHUSDT"] and second["result"]["nextPageCursor"] != ""
    third = await client.call(
        "GET",
        "/v5/market/instruments-info",
        {"category": "linear", "limit": "1", "cursor": second["result"]["nextPageCursor"]},
    )
    assert (third["result"]["list"], third["result"]["nextPageCursor"]) == ([], "")
    btc = first["result"]["list"][0]
    assert btc["priceFilter"]["tickSize"] == "0.10" and btc["lotSizeFilter"]["qtyStep"] == "0.001"
    spot = await client.call("GET", "/v5/market/instruments-info", {"category": "spot"})
    assert "qtyStep" not in spot["result"]["list"][0]["lotSizeFilter"]
    tickers = await client.call("GET", "/v5/market/tickers", {"category": "linear"})
    assert [t["symbol"] for t in tickers["result"]["list"]] == ["BTCUSDT", "ETHUSDT"]
    eth = tickers["result"]["list"][1]
    assert Decimal(eth["bid1Price"]) < Decimal(eth["lastPrice"]) < Decimal(eth["ask1Price"])


async def test_spot_fees_are_answered_as_bybit_charges_them() -> None:
    """A spot buy pays 0.1 % in the base coin (execFee in BTC, feeCurrency BTC, the wallet
    credited the rest); a spot sell pays 0.1 % in USDT; a linear fill pays USDT at 0.055 %."""
    core, client = setup(balances={"USDT": Decimal(10_000), "BTC": Decimal(0)})
    market = {"symbol": "BTCUSDT", "orderType": "Market"}
    buy = {**market, "category": "spot", "side": "Buy", "qty": "0.01", "marketUnit": "baseCoin"}
    assert (await client.create(**buy, orderLinkId="sb"))["retCode"] == 0
    sell = {**market, "category": "spot", "side": "Sell", "qty": "0.00999"}
    assert (await client.create(**sell, orderLinkId="ss"))["retCode"] == 0
    perp = {**market, "category": "linear", "side": "Buy", "qty": "0.01"}
    assert (await client.create(**perp, orderLinkId="lb"))["retCode"] == 0
    core.step(1)
    rows = {}
    for category in ("spot", "linear"):
        listed = await client.call("GET", "/v5/execution/list", {"category": category})
        rows.update({e["orderLinkId"]: e for e in listed["result"]["list"]})
    fields = ("execQty", "feeCurrency", "feeRate", "isMaker")
    assert {k: (Decimal(e["execFee"]), *(e[f] for f in fields)) for k, e in rows.items()} == {
        "sb": (Decimal("0.00001"), "0.01", "BTC", "0.001", False),
        "ss": (Decimal("0.22977"), "0.00999", "USDT", "0.001", False),  # 0.00999 x 23000 x 0.001
        "lb": (Decimal("0.1265"), "0.01", "USDT", "0.00055", False),  # 0.01 x 23000 x 0.00055
    }
    spot = await client.call("GET", "/v5/order/realtime", {"category": "spot", "openOnly": 1})
    orders = {o["orderLinkId"]: o for o in spot["result"]["list"]}
    details = {k: {c: Decimal(v) for c, v in o["cumFeeDetail"].items()} for k, o in orders.items()}
    assert details == {"sb": {"BTC": Decimal("0.00001")}, "ss": {"USDT": Decimal("0.22977")}}
    held = core.ledger.wallet.snapshot()["BTC"].total
    assert held == Decimal("0.01") - Decimal("0.00001") - Decimal("0.00999")  # nothing left


async def test_linear_prices_outside_min_and_max_price_and_number_typed_fields_are_refused() -> (
    None
):
    core, client = setup()
    too_high = await client.create(**limit("linear", "Sell", "0.01", "2000000"))
    assert too_high["retCode"] == 110003  # maxPrice 1999999.80
    number_qty = await client.create(**{**limit("linear", "Buy", "0.01", "22000"), "qty": 0.01})
    assert (number_qty["retCode"], number_qty["retMsg"]) == (10001, "Request parameter error.")
    assert core.ledger.orders() == []
