"""Market endpoints: kline paging (Bybit pages newest first), instruments paging and filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bybit_fakes import LINEAR, SPOT, Call, FakeBybit, kline_host, make_rest

from traderagent.domain import Instrument
from traderagent.exchanges.bybit.endpoints import BybitEndpoints

MIN = 60_000
KLINE = "/v5/market/kline"
START = 1_677_628_800_000  # 2023-03-01 00:00 UTC


async def test_klines_page_backwards_and_return_closed_candles_oldest_first() -> None:
    fake = FakeBybit(server_ms=START + 2_500 * MIN + 30_000)  # inside candle 2,501 (open)
    kline_host(fake, START, 2_501)
    rest = make_rest(fake)
    candles = await BybitEndpoints(rest, "linear").klines(
        "BTCUSDT", MIN, START, START + 10_000 * MIN
    )
    await rest.close()
    assert len(candles) == 2_500
    assert [c.ts for c in candles] == list(range(START, START + 2_500 * MIN, MIN))
    assert candles[0].interval_ms == MIN and candles[0].high == 3.0
    pages = [c for c in fake.calls if c.path == KLINE]
    assert [int(p.params["end"]) for p in pages] == [
        START + 10_000 * MIN,
        START + 1_501 * MIN - 1,
        START + 501 * MIN - 1,
    ]
    assert {p.params["interval"] for p in pages} == {"1"}


async def test_kline_interval_must_be_one_bybit_has() -> None:
    rest = make_rest(FakeBybit())
    with pytest.raises(ValueError, match="no 420000 ms candles"):
        await BybitEndpoints(rest).klines("BTCUSDT", 7 * MIN, 0, 1)
    await rest.close()


async def test_instruments_follow_the_cursor_and_map_both_filters() -> None:
    fake = FakeBybit()
    eth = {**LINEAR, "symbol": "ETHUSDT", "baseCoin": "ETH"}

    def route(call: Call) -> dict[str, object]:
        if call.params["category"] == "spot":
            return {"category": "spot", "list": [SPOT], "nextPageCursor": ""}
        if call.params.get("cursor") == "page2":
            return {"category": "linear", "list": [eth], "nextPageCursor": ""}
        return {"category": "linear", "list": [LINEAR], "nextPageCursor": "page2"}

    fake.routes[("GET", "/v5/market/instruments-info")] = route
    rest = make_rest(fake)
    linear = await BybitEndpoints(rest, "linear").instruments()
    spot = await BybitEndpoints(rest, "spot").instruments()
    await rest.close()
    assert sorted(linear) == ["BTCUSDT", "ETHUSDT"]
    assert linear["BTCUSDT"] == Instrument(
        "BTCUSDT", "BTC", "USDT", Decimal("0.10"), Decimal("0.001"), Decimal("0.001"), Decimal(5)
    )
    assert spot["BTCUSDT"] == Instrument(
        "BTCUSDT",
        "BTC",
        "USDT",
        Decimal("0.1"),
        Decimal("0.000001"),
        Decimal("0.000011"),
        Decimal(5),
    )
    assert spot["BTCUSDT"].floor_qty(Decimal("0.12345678")) == Decimal("0.123456")
    assert linear["BTCUSDT"].floor_qty(Decimal("0.12345678")) == Decimal("0.123")


async def test_set_leverage_treats_not_modified_as_success() -> None:
    fake = FakeBybit()
    fake.routes[("POST", "/v5/position/set-leverage")] = lambda call: (
        110043,
        "Set leverage has not been modified",
    )
    rest = make_rest(fake)
    await BybitEndpoints(rest).set_leverage("BTCUSDT", Decimal(6))
    assert fake.calls[0].body == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "buyLeverage": "6",
        "sellLeverage": "6",
    }
    await rest.close()
