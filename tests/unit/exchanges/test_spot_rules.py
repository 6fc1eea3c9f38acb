"""Spot rules of the simulated venues: the known table, the rules derived from a price level
(shared by the paper venue and the Bybit emulator), the config's own rules, and the errors
for a symbol that cannot be traded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traderagent.config import ConfigError, parse_config
from traderagent.config.instruments import paper_listing
from traderagent.domain import Side
from traderagent.exchanges.emulator.instruments import market_rules
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS, paper_instrument
from traderagent.exchanges.ports import ExchangeError
from traderagent.exchanges.spot_rules import derived_spot_instrument, price_exponent

D = Decimal
LEVELS = [  # price level: (tick, lot)
    (0.5, (D("0.000001"), D("0.1"))),
    (2.3, (D("0.00001"), D("0.01"))),
    (150.0, (D("0.001"), D("0.0001"))),
    (30_000.0, (D("0.1"), D("0.000001"))),
]


@pytest.mark.parametrize(("price", "steps"), LEVELS)
def test_rules_follow_the_price_level(price: float, steps: tuple[Decimal, Decimal]) -> None:
    inst = derived_spot_instrument("XYZUSDT", price)
    assert (inst.base, inst.quote) == ("XYZ", "USDT")
    assert (inst.tick_size, inst.lot_size) == steps
    assert inst.min_qty == inst.lot_size and inst.min_notional == D(5)
    level = D(repr(price))
    assert D("1e-6") < inst.tick_size / level <= D("1e-5")  # a fine tick, a power of ten
    assert D("0.01") <= inst.lot_size * level < D("0.1")  # one lot is worth a few cents


@pytest.mark.parametrize(("price", "steps"), LEVELS)
def test_rules_are_deterministic_and_agree_with_the_emulator(
    price: float, steps: tuple[Decimal, Decimal]
) -> None:
    again = [derived_spot_instrument("XYZUSDT", p) for p in (price, price, D(repr(price)))]
    assert again[0] == again[1] == again[2]
    assert market_rules("spot", "XYZUSDT", price).instrument == again[0]
    assert paper_instrument("XYZUSDT", price) == again[0]


@pytest.mark.parametrize(("price", "steps"), LEVELS)
def test_derived_rules_quantise_orders_the_venue_accepts(
    price: float, steps: tuple[Decimal, Decimal]
) -> None:
    inst = derived_spot_instrument("XYZUSDT", price)
    raw = D(repr(price)) * D("0.98765432109")
    bid, ask = inst.round_price(raw, Side.BUY), inst.round_price(raw, Side.SELL)
    assert bid <= raw <= ask and ask - bid <= inst.tick_size
    assert inst.is_price_on_tick(bid) and inst.is_price_on_tick(ask)
    qty = inst.floor_qty(D(20) / bid)  # 20 quote's worth
    assert inst.is_qty_on_lot(qty) and D(20) - inst.lot_size * bid < qty * bid <= D(20)
    assert inst.check_order(bid, qty) is None
    small = inst.floor_qty(D(4) / bid)
    assert "below the minimum 5 USDT" in (inst.check_order(bid, small) or "")


def test_exponent_is_exact_at_powers_of_ten() -> None:
    assert [price_exponent(p) for p in (0.1, 0.0999999, 1.0, 9.99999, 10.0, 1e5)] == [
        -1,
        -2,
        0,
        0,
        1,
        5,
    ]
    assert price_exponent(0.0) == price_exponent(float("nan")) == price_exponent(-3.0) == 0
    assert derived_spot_instrument("XYZUSDC", 2e5).tick_size == D(1)
    assert str(derived_spot_instrument("XYZUSDT", 0.00002).lot_size) == "1000"


def test_known_symbols_keep_their_rules_whatever_the_price() -> None:
    for price in (0.5, 30_000.0, None):
        assert paper_instrument("BTCUSDT", price) is DEFAULT_INSTRUMENTS["BTCUSDT"]
    btc = DEFAULT_INSTRUMENTS["BTCUSDT"]
    assert (btc.tick_size, btc.lot_size, btc.min_qty) == (D("0.01"), D("0.000001"), D("0.000048"))
    assert market_rules("spot", "ETHUSDT", 2.3).instrument is DEFAULT_INSTRUMENTS["ETHUSDT"]


def test_a_symbol_that_cannot_be_traded_says_what_to_do() -> None:
    with pytest.raises(ExchangeError, match="quoted in USDT or USDC .* XRPBTC is not one"):
        paper_instrument("XRPBTC", 0.00001)
    with pytest.raises(ExchangeError, match=r"XRPUSDT .* has none: replay XRPUSDT candles, or"):
        paper_instrument("XRPUSDT", None)


BOT = (
    "bots: [{name: b, symbol: XRPUSDT, strategy: "
    "{kind: grid, lower: '0.4', upper: '0.6', levels: 5, amount_per_level: '10'}}]\n"
)


def test_the_config_may_give_a_symbols_rules() -> None:
    text = (
        "paper:\n  instruments:\n"
        "    XRPUSDT: {tick: '0.0001', lot: '0.1', min_qty: '1', min_notional: '5'}\n"
        "    SOLUSDC: {tick: '0.01', lot: '0.001'}\n" + BOT
    )
    config = parse_config(text, "x.yaml", {})
    listed = paper_listing(config.paper.instruments)
    xrp = paper_instrument("XRPUSDT", 0.5, listed)
    assert (xrp.base, xrp.quote, xrp.tick_size, xrp.lot_size, xrp.min_qty, xrp.min_notional) == (
        "XRP",
        "USDT",
        D("0.0001"),
        D("0.1"),
        D(1),
        D(5),
    )
    sol = paper_instrument("SOLUSDC", None, listed)  # configured rules need no candles
    assert (sol.quote, sol.min_qty, sol.min_notional) == ("USDC", D("0.001"), D(5))
    assert listed["BTCUSDT"] is DEFAULT_INSTRUMENTS["BTCUSDT"]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("XRPBTC: {tick: '0.01', lot: '1'}", "must end in one of USDT, USDC"),
        ("XRPUSDT: {tick: '0', lot: '1'}", "greater than 0"),
        ("XRPUSDT: {tick: '0.01', lot: '1', step: '1'}", "XRPUSDT.step: unknown setting"),
        ("XRPUSDT: {tick: '0.01'}", "lot"),
    ],
)
def test_bad_configured_rules_are_refused(rules: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(f"paper:\n  instruments:\n    {rules}\n{BOT}", "x.yaml", {})
