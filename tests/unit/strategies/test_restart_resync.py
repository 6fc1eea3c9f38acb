"""A resumed grid or DCA (after a pause, a stop or an acknowledged halt) works from the
position the bot holds and the price now: nothing held is bought again and no buy limit rests
at or above the market; what the price has moved through goes as a market order, by intent."""

from decimal import Decimal

from kit.factories import BTCUSDT
from strategy_samples import ctx, fill, places
from test_dca_strategy import config as dca_config
from test_dca_strategy import started
from test_grid_strategy import config as grid_config

from strategies.dca import DcaStrategy
from strategies.grid import GridStrategy
from traderagent.domain import Intent, OrderType, PlaceOrder, Side

D = Decimal


def through_the_market(intents: list[Intent], price: str) -> list[str]:
    return [
        f"{o.tag} {o.side} limit {o.price}"
        for o in places(intents)
        if o.type is OrderType.LIMIT and o.price is not None
        if (o.price >= D(price) if o.side is Side.BUY else o.price <= D(price))
    ]


def seeded_grid() -> tuple[GridStrategy, Decimal]:
    grid = GridStrategy(grid_config(), BTCUSDT)
    (seed, *_) = places(grid.on_start(ctx("22500")))
    grid.on_fill(*fill(seed), ctx("22500", position=seed.qty))
    return grid, seed.qty


def test_a_grid_started_again_below_its_book_buys_only_what_the_slots_lack_at_market() -> None:
    grid, held = seeded_grid()  # slot 3 (23000-24000) holds; b0-b2 rest below 22500
    # stopped (every order cancelled); the price falls to 20500 meanwhile
    intents = grid.on_resume(ctx("20500", position=held))
    assert through_the_market(intents, "20500") == []  # before: b1 21000 and b2 22000
    book = grid.book
    assert book is not None
    want = book.quantities[1] + book.quantities[2] + book.quantities[3]
    seeds = [o for o in places(intents) if o.tag == "seed"]
    assert [(s.type, s.qty) for s in seeds] == [(OrderType.MARKET, want - held)]
    assert {o.tag for o in places(intents) if o.side is Side.BUY} == {"seed", "b0"}


def test_a_grid_resumed_above_its_book_sells_what_it_holds_and_buys_nothing_again() -> None:
    grid, held = seeded_grid()
    assert grid.book is not None
    slot2 = PlaceOrder("b2", Side.BUY, grid.book.quantities[2], D("22000.00"))
    grid.on_fill(*fill(slot2), ctx("21990", position=held + slot2.qty))
    # stopped; the price rises to 23500, above every slot's buy level
    intents = grid.on_resume(ctx("23500", position=held + slot2.qty))
    assert through_the_market(intents, "23500") == []
    sells = {o.tag: o for o in places(intents) if o.side is Side.SELL}
    assert sells["s3"].type is OrderType.LIMIT and sells["s3"].price == D("24000.00")
    assert sells["s2"].type is OrderType.MARKET  # its level 23000 is below the market
    buys = [o for o in places(intents) if o.side is Side.BUY]
    assert {o.tag for o in buys} == {"b0", "b1"}  # the held base is not bought again


def test_a_dca_resumed_after_a_fall_sends_the_safety_orders_it_passed_at_market() -> None:
    dca, armed = started()  # base 0.005 at 20000; so1.1 at 19800 and so1.2 at 19400 rest
    held = D("0.005")
    for so in armed[1:]:  # both fill while the bot is paused: the orders they call stay home
        held += so.qty
        dca.on_fill(*fill(so), ctx(str(so.price), position=held))
    # the price keeps falling, through so1.3 (18600), before the bot is resumed
    intents = dca.on_resume(ctx("18500", position=held))
    assert through_the_market(intents, "18500") == []  # before: so1.3 buy limit 18600
    market = [o.tag for o in places(intents) if o.type is OrderType.MARKET]
    assert market == ["so1.3"]  # by intent; no second base order
    (tp,) = [o for o in places(intents) if o.side is Side.SELL]
    assert tp.qty == held and tp.type is OrderType.LIMIT


def test_a_dca_whose_position_was_sold_at_the_halt_does_not_average_into_nothing() -> None:
    dca = DcaStrategy(dca_config(cooldown_candles=5), BTCUSDT)
    (base,) = places(dca.on_start(ctx("20000")))
    dca.on_fill(*fill(base, price=D(20000)), ctx("20000", position=base.qty))
    # halted with close_positions_on_halt: orders cancelled, the position sold at market
    intents = dca.on_resume(ctx("19000", position="0"))
    assert places(intents) == []  # before: tp and both safety orders again, for nothing held
    assert "next cycle at 2023-03-01 00:05 UTC" in dca.describe()  # 5 minutes on
