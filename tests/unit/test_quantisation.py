import math
from decimal import Decimal

from kit.factories import BTCUSDT

from traderagent.domain import Side


def test_buy_prices_round_down_and_sell_prices_round_up() -> None:
    assert BTCUSDT.round_price(Decimal("23456.789"), Side.BUY) == Decimal("23456.78")
    assert BTCUSDT.round_price(Decimal("23456.781"), Side.SELL) == Decimal("23456.79")
    assert BTCUSDT.round_price(Decimal("23456.785")) == Decimal("23456.78")  # half-even
    assert BTCUSDT.round_price(Decimal("23456.78"), Side.SELL) == Decimal("23456.78")


def test_quantities_floor_to_the_lot_step() -> None:
    assert BTCUSDT.floor_qty(Decimal("0.0123456789")) == Decimal("0.012345")
    assert BTCUSDT.floor_qty(Decimal("0.0000009")) == Decimal("0.000000")
    assert str(BTCUSDT.floor_qty(Decimal("1"))) == "1.000000"


def test_check_order_explains_each_rule() -> None:
    assert BTCUSDT.check_order(Decimal("23000.00"), Decimal("0.001000")) is None
    assert "tick size" in (BTCUSDT.check_order(Decimal("23000.001"), Decimal("0.001")) or "")
    assert "lot size" in (BTCUSDT.check_order(Decimal("23000"), Decimal("0.0010001")) or "")
    assert "below the minimum 0.000048" in (
        BTCUSDT.check_order(Decimal("200000"), Decimal("0.00004")) or ""
    )
    notional = BTCUSDT.check_order(Decimal("20000"), Decimal("0.0002")) or ""
    assert "notional 4.0000 is below the minimum 5 USDT" in notional
    assert "must be positive" in (BTCUSDT.check_order(Decimal("1"), Decimal("0")) or "")


def test_market_price_reads_a_float_on_the_tick_whatever_its_noise() -> None:
    for noisy in (23456.78, math.nextafter(23456.78, 0), math.nextafter(23456.78, math.inf)):
        assert BTCUSDT.market_price(noisy) == Decimal("23456.78")
    assert BTCUSDT.market_price(23456.785) == Decimal("23456.78")  # half-even, as round_price
    assert BTCUSDT.market_price(23456.7851) == Decimal("23456.79")
