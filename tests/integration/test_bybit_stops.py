"""Stop orders through the Bybit client on the emulator: a conditional market order (spot:
`orderFilter: StopOrder`; linear: `triggerDirection`) rests Untriggered, can be cancelled
(Deactivated), and fills as taker at its trigger (or the open on a gap) when the market
reaches it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.test_bybit_client import BTC, client, emulator, last_close, order, until
from traderagent.domain import Fill, Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side


def stop(cid: str, trigger: Decimal, qty: str = "0.01") -> OrderRequest:
    return OrderRequest(
        cid, BTC, Side.SELL, OrderType.STOP_MARKET, Decimal(qty), trigger, bot="it", tag=cid
    )


@pytest.mark.parametrize("category", ["spot", "linear"])
async def test_a_stop_rests_untriggered_cancels_and_fills_at_its_trigger(category: str) -> None:
    async with emulator() as emu, client(emu, category) as (exchange, updates):
        await exchange.place_order(order("m-1", Side.BUY, "0.02"))  # something to sell
        await until(lambda: any(isinstance(u, Fill) for u in updates), lambda: emu.step(1))
        inst = await exchange.instrument(BTC)
        far = inst.round_price(last_close(emu) * Decimal("0.5"), Side.BUY)
        ack = await exchange.place_order(stop("s-1", far))
        assert ack.status is OrderStatus.NEW
        (item,) = [i for i in await exchange.endpoints.realtime_orders(BTC)]
        assert (item["orderStatus"], item["orderType"], item["stopOrderType"]) == (
            "Untriggered",
            "Market",
            "Stop",
        )
        assert Decimal(item["triggerPrice"]) == far
        (resting,) = await exchange.open_orders(BTC)
        assert (resting.type, resting.price) == (OrderType.STOP_MARKET, far)
        cancelled = await exchange.cancel_order(BTC, "s-1")
        assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
        history = await exchange.endpoints.order_history(BTC, "s-1")
        assert [i["orderStatus"] for i in history] == ["Deactivated"]

        near = inst.round_price(last_close(emu) - inst.tick_size, Side.BUY)
        await exchange.place_order(stop("s-2", near))
        stopped = lambda: [u for u in updates if isinstance(u, Fill) and u.client_order_id == "s-2"]  # noqa: E731
        await until(lambda: bool(stopped()), lambda: emu.step(1), steps=200)
        (fill,) = stopped()
        assert fill.liquidity is Liquidity.TAKER and fill.side is Side.SELL
        if fill.price != near:  # a gap: the candle opened below the trigger, and filled there
            bars = emu.core.replay.closed(BTC)
            (k,) = [k for k, ts in enumerate(bars.ts) if ts == fill.ts]
            assert fill.price == inst.round_price(Decimal(repr(float(bars.open[k])))) < near
        assert (await exchange.get_order(BTC, "s-2")).status is OrderStatus.FILLED  # type: ignore[union-attr]


async def test_a_stop_the_market_is_already_through_is_refused() -> None:
    async with emulator() as emu, client(emu, "linear") as (exchange, _):
        inst = await exchange.instrument(BTC)
        above = inst.round_price(last_close(emu) * Decimal("1.01"), Side.SELL)
        refused = await exchange.place_order(stop("s-1", above))
        assert refused.status is OrderStatus.REJECTED
        assert "expect Falling" in refused.reject_reason


async def test_a_spot_stop_whose_base_a_take_profit_locks_is_refused_when_it_triggers() -> None:
    """As on Bybit's spot: the stop locked nothing, the take profit locks the base, so the
    triggered stop is refused (reported Rejected with the reason), and the take profit rests
    on. The paper venue does the same; the bots then sell at market themselves."""
    async with emulator() as emu, client(emu, "spot") as (exchange, updates):
        await exchange.place_order(order("m-1", Side.BUY, "0.02"))
        await until(lambda: any(isinstance(u, Fill) for u in updates), lambda: emu.step(1))
        held = (await exchange.balances())["BTC"].free
        inst = await exchange.instrument(BTC)
        qty = str(inst.floor_qty(held))
        high = inst.round_price(last_close(emu) * Decimal("1.5"), Side.SELL)
        tp = OrderRequest("tp-1", BTC, Side.SELL, OrderType.LIMIT, Decimal(qty), high, "it", "tp-1")
        assert (await exchange.place_order(tp)).status is OrderStatus.NEW
        near = inst.round_price(last_close(emu) - inst.tick_size, Side.BUY)
        assert (await exchange.place_order(stop("s-1", near, qty))).status is OrderStatus.NEW

        def refused() -> list[Order]:
            return [
                u
                for u in updates
                if isinstance(u, Order)
                and u.client_order_id == "s-1"
                and u.status is OrderStatus.REJECTED
            ]

        await until(lambda: bool(refused()), lambda: emu.step(1), steps=200)
        assert refused()[-1].reject_reason == "EC_Others"  # Bybit gives no more than that
        assert not [u for u in updates if isinstance(u, Fill) and u.client_order_id == "s-1"]
        (resting,) = await exchange.open_orders(BTC)
        assert resting.client_order_id == "tp-1"
