"""One contract every exchange adapter passes: paper, Bybit and ccxt against the emulator.

Order entry returns the venue's acknowledgement; every later change (fills, cancels) reaches
the listener once, in the order the venue produced it. Prices and quantities are exact and
on the instrument's grid; bad orders are refused with a reason; nothing is placed twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from contract_market import SYMBOL
from contract_venues import STARTING_USDT, PaperVenue, Venue
from emulated_bybit import EmulatedBybitVenue
from emulated_ccxt import EmulatedCcxtVenue

from traderagent.domain import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.ports import Exchange, ExchangeError

BUY = Side.BUY
NOTIONAL = Decimal(250)


def _paper() -> Venue:
    return PaperVenue()


def _emulated_bybit() -> Venue:
    return EmulatedBybitVenue()


def _emulated_ccxt() -> Venue:
    return EmulatedCcxtVenue()


@pytest.fixture(
    params=[_paper, _emulated_bybit, _emulated_ccxt],
    ids=["paper", "bybit-emulator", "ccxt-bybit-emulator"],
)
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    factory: Callable[[], Venue] = request.param
    opened = factory()
    await opened.start()
    yield opened
    await opened.close()


async def limit(
    venue: Venue, cid: str, side: Side, below: str, notional: Decimal = NOTIONAL
) -> Order:
    """Place a limit `below` (a fraction; negative = above) the last price, on the grid."""
    inst = await venue.exchange.instrument(SYMBOL)
    price = inst.round_price(venue.last_price() * (1 - Decimal(below)), side)
    qty = inst.floor_qty(notional / price)
    return await venue.exchange.place_order(
        OrderRequest(cid, SYMBOL, side, OrderType.LIMIT, qty, price, bot="c", tag=cid)
    )


def updates_of(venue: Venue, cid: str) -> list[Order | Fill]:
    return [u for u in venue.updates if u.client_order_id == cid]


async def run_until(venue: Venue, done: Callable[[], bool], max_steps: int = 40) -> None:
    await venue.settle()
    for _ in range(max_steps):
        if done():
            return
        await venue.step()
    assert done(), f"not done after {max_steps} candles; updates: {venue.updates}"


def filled(venue: Venue, cid: str) -> bool:
    return any(
        isinstance(u, Order) and u.status is OrderStatus.FILLED for u in updates_of(venue, cid)
    )


async def final_status(venue: Venue, ack: Order) -> OrderStatus:
    """The order's last known status: the listener's latest update, else the ack."""
    await venue.settle()
    later = [u for u in updates_of(venue, ack.client_order_id) if isinstance(u, Order)]
    return later[-1].status if later else ack.status


def test_is_an_exchange(venue: Venue) -> None:
    assert isinstance(venue.exchange, Exchange)


async def test_a_resting_limit_is_acknowledged_listed_and_not_notified(venue: Venue) -> None:
    ack = await limit(venue, "c-1", BUY, "0.05")
    assert (ack.client_order_id, ack.status, ack.side, ack.type) == (
        "c-1",
        OrderStatus.NEW,
        BUY,
        OrderType.LIMIT,
    )
    assert ack.exchange_order_id
    await venue.settle()
    assert venue.updates == []
    listed = await venue.exchange.open_orders(SYMBOL)
    assert [(o.client_order_id, o.qty, o.price) for o in listed] == [("c-1", ack.qty, ack.price)]
    got = await venue.exchange.get_order(SYMBOL, "c-1")
    assert got is not None and got.status is OrderStatus.NEW and got.filled_qty == 0


async def test_cancel_returns_the_cancelled_order_and_notifies_once(venue: Venue) -> None:
    ack = await limit(venue, "c-1", BUY, "0.05")
    cancelled = await venue.exchange.cancel_order(SYMBOL, "c-1")
    assert cancelled is not None
    assert (cancelled.client_order_id, cancelled.status, cancelled.qty) == (
        "c-1",
        OrderStatus.CANCELLED,
        ack.qty,
    )
    await venue.settle()
    assert [(u.client_order_id, u.status) for u in venue.updates if isinstance(u, Order)] == [
        ("c-1", OrderStatus.CANCELLED)
    ]
    assert await venue.exchange.open_orders(SYMBOL) == []
    got = await venue.exchange.get_order(SYMBOL, "c-1")
    assert got is not None and got.status is OrderStatus.CANCELLED


async def test_cancel_all_cancels_every_open_order_oldest_first(venue: Venue) -> None:
    for i, below in enumerate(("0.05", "0.06", "0.07")):
        await limit(venue, f"c-{i}", BUY, below)
    cancelled = await venue.exchange.cancel_all(SYMBOL)
    assert [(o.client_order_id, o.status) for o in cancelled] == [
        (f"c-{i}", OrderStatus.CANCELLED) for i in range(3)
    ]
    await venue.settle()
    notified = sorted(u.client_order_id for u in venue.updates if isinstance(u, Order))
    assert notified == ["c-0", "c-1", "c-2"]
    assert await venue.exchange.open_orders(SYMBOL) == []
    assert await venue.exchange.cancel_all(SYMBOL) == []


async def test_unknown_orders_are_none(venue: Venue) -> None:
    assert await venue.exchange.cancel_order(SYMBOL, "never-placed") is None
    assert await venue.exchange.get_order(SYMBOL, "never-placed") is None
    await venue.settle()
    assert venue.updates == []


async def test_unknown_symbol_is_an_exchange_error(venue: Venue) -> None:
    with pytest.raises(ExchangeError, match="NOPEUSDT"):
        await venue.exchange.instrument("NOPEUSDT")


async def test_balances_lock_for_a_resting_buy_and_release_on_cancel(venue: Venue) -> None:
    before = (await venue.exchange.balances())["USDT"]
    assert before.total == STARTING_USDT
    ack = await limit(venue, "c-1", BUY, "0.05")
    held = (await venue.exchange.balances())["USDT"]
    assert held.free < before.free
    assert held.locked >= ack.qty * (ack.price or 0)
    assert held.total == before.total
    await venue.exchange.cancel_order(SYMBOL, "c-1")
    await venue.settle()
    assert (await venue.exchange.balances())["USDT"] == before


async def test_a_fill_reaches_the_listener_once_at_the_limit_or_better(venue: Venue) -> None:
    ack = await limit(venue, "c-1", BUY, "0.005")
    await run_until(venue, lambda: filled(venue, "c-1"))
    for _ in range(3):
        await venue.step()  # later candles add nothing for a finished order
    await venue.settle()
    fills = [u for u in updates_of(venue, "c-1") if isinstance(u, Fill)]
    orders = [u for u in updates_of(venue, "c-1") if isinstance(u, Order)]
    assert len({f.fill_id for f in fills}) == len(fills) >= 1
    assert sum(f.qty for f in fills) == ack.qty
    assert all(f.price <= (ack.price or 0) and f.side is BUY and f.fee >= 0 for f in fills)
    assert [o.status for o in orders].count(OrderStatus.FILLED) == 1
    assert orders[-1].status is OrderStatus.FILLED and orders[-1].filled_qty == ack.qty
    assert await venue.exchange.open_orders(SYMBOL) == []
    got = await venue.exchange.get_order(SYMBOL, "c-1")
    assert got is not None and got.status is OrderStatus.FILLED


async def test_a_spot_buy_pays_its_fee_in_base_and_a_sell_in_the_quote(venue: Venue) -> None:
    """Bybit spot: a buy's fee is taken from the base it receives (0.1 %), so the account holds
    the credited quantity, and only that can be sold; a sell's fee is in the quote coin."""
    bought = await limit(venue, "b-1", BUY, "0.003")
    await run_until(venue, lambda: filled(venue, "b-1"))
    (buy,) = [u for u in updates_of(venue, "b-1") if isinstance(u, Fill)]
    assert (buy.fee_asset, buy.fee) == ("BTC", bought.qty * Decimal("0.001"))
    credited = bought.qty - buy.fee
    assert buy.base_qty == credited
    assert (await venue.exchange.balances())["BTC"].total == credited
    inst = await venue.exchange.instrument(SYMBOL)
    price = inst.round_price(venue.last_price() * Decimal("1.003"), Side.SELL)
    gross = await venue.exchange.place_order(
        OrderRequest("s-0", SYMBOL, Side.SELL, OrderType.LIMIT, bought.qty, price, bot="c")
    )
    assert await final_status(venue, gross) is OrderStatus.REJECTED  # more than the account has
    qty = inst.floor_qty(credited)
    await venue.exchange.place_order(
        OrderRequest("s-1", SYMBOL, Side.SELL, OrderType.LIMIT, qty, price, bot="c")
    )
    await run_until(venue, lambda: filled(venue, "s-1"))
    (sold,) = [u for u in updates_of(venue, "s-1") if isinstance(u, Fill)]
    assert (sold.side, sold.qty, sold.fee_asset) == (Side.SELL, qty, "USDT")
    assert sold.fee == sold.qty * sold.price * Decimal("0.001")
    assert sold.price >= price
    btc = (await venue.exchange.balances()).get("BTC")
    assert (btc.total if btc is not None else 0) == credited - qty  # the dust below one lot


async def test_updates_arrive_in_the_order_the_venue_filled(venue: Venue) -> None:
    await limit(venue, "near", BUY, "0.003")
    await limit(venue, "far", BUY, "0.008")
    await run_until(venue, lambda: filled(venue, "near") and filled(venue, "far"))
    fill_order = [u.client_order_id for u in venue.updates if isinstance(u, Fill)]
    assert fill_order.index("near") < fill_order.index("far")
    last_near = max(i for i, u in enumerate(venue.updates) if u.client_order_id == "near")
    first_far = min(i for i, u in enumerate(venue.updates) if u.client_order_id == "far")
    assert last_near < first_far


async def test_a_market_order_fills_and_is_reported(venue: Venue) -> None:
    inst = await venue.exchange.instrument(SYMBOL)
    qty = inst.floor_qty(NOTIONAL / venue.last_price())
    ack = await venue.exchange.place_order(
        OrderRequest("m-1", SYMBOL, BUY, OrderType.MARKET, qty, bot="c", tag="m-1")
    )
    assert ack.status in (OrderStatus.NEW, OrderStatus.FILLED)
    await run_until(venue, lambda: filled(venue, "m-1"), max_steps=2)
    fills = [u for u in updates_of(venue, "m-1") if isinstance(u, Fill)]
    assert sum(f.qty for f in fills) == qty
    assert (await venue.exchange.balances())["BTC"].total == sum(f.base_qty for f in fills)
    assert all(f.fee == f.qty * Decimal("0.001") and f.fee_asset == "BTC" for f in fills)


@pytest.mark.parametrize(
    ("problem", "price_shift", "qty_shift", "notional"),
    [
        ("price off the tick", "half_tick", None, NOTIONAL),
        ("quantity off the lot", None, "half_lot", NOTIONAL),
        ("notional below the minimum", None, None, Decimal("0.01")),
        ("more than the balance", None, None, STARTING_USDT * 3),
    ],
)
async def test_bad_orders_are_rejected_with_a_reason(
    venue: Venue, problem: str, price_shift: str | None, qty_shift: str | None, notional: Decimal
) -> None:
    inst = await venue.exchange.instrument(SYMBOL)
    price = inst.round_price(venue.last_price() * Decimal("0.99"), BUY)
    qty = max(inst.floor_qty(notional / price), inst.lot_size)
    if price_shift:
        price += inst.tick_size / 2
    if qty_shift:
        qty += inst.lot_size / 2
    ack = await venue.exchange.place_order(
        OrderRequest("bad-1", SYMBOL, BUY, OrderType.LIMIT, qty, price, bot="c", tag="bad")
    )
    assert await final_status(venue, ack) is OrderStatus.REJECTED, problem
    rejection = [u for u in updates_of(venue, "bad-1") if isinstance(u, Order)]
    assert (rejection[-1] if rejection else ack).reject_reason
    assert await venue.exchange.open_orders(SYMBOL) == []


async def test_a_quantised_order_is_accepted(venue: Venue) -> None:
    inst = await venue.exchange.instrument(SYMBOL)
    raw_price = venue.last_price() * Decimal("0.95123456789")
    price = inst.round_price(raw_price, BUY)
    qty = inst.floor_qty(NOTIONAL / raw_price)
    assert price <= raw_price and price % inst.tick_size == 0 and qty % inst.lot_size == 0
    ack = await venue.exchange.place_order(
        OrderRequest("q-1", SYMBOL, BUY, OrderType.LIMIT, qty, price, bot="c", tag="q")
    )
    assert ack.status is OrderStatus.NEW
    assert (ack.qty, ack.price) == (qty, price)


async def test_a_client_order_id_is_never_placed_twice(venue: Venue) -> None:
    await limit(venue, "c-1", BUY, "0.05")
    await limit(venue, "c-1", BUY, "0.06")
    await venue.settle()
    assert [o.client_order_id for o in await venue.exchange.open_orders(SYMBOL)] == ["c-1"]


async def test_fills_since_lists_each_execution_once_oldest_first(venue: Venue) -> None:
    await limit(venue, "near", BUY, "0.003")
    await limit(venue, "far", BUY, "0.008")
    await run_until(venue, lambda: filled(venue, "near") and filled(venue, "far"))
    pushed = [u for u in venue.updates if isinstance(u, Fill)]
    since = min(f.ts for f in pushed)
    listed = await venue.exchange.fills_since(SYMBOL, since)
    assert [(f.fill_id, f.client_order_id, f.qty, f.price) for f in listed] == [
        (f.fill_id, f.client_order_id, f.qty, f.price) for f in pushed
    ]
    assert [f.ts for f in listed] == sorted(f.ts for f in listed)
    assert await venue.exchange.fills_since(SYMBOL, max(f.ts for f in pushed) + 1) == []


async def test_positions_report_what_the_fills_bought(venue: Venue) -> None:
    assert await venue.exchange.positions(SYMBOL) == []
    ack = await limit(venue, "c-1", BUY, "0.005")
    await run_until(venue, lambda: filled(venue, "c-1"))
    (held,) = await venue.exchange.positions(SYMBOL)
    assert (held.symbol, held.qty) == (SYMBOL, ack.qty * (1 - Decimal("0.001")))  # credited
