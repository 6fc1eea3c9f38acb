"""Signed (one-way perpetual) positions: shorts, reductions, flips; figures checked by hand."""

from decimal import Decimal as D

from traderagent.domain import Fill, Liquidity, Position, Side


def _fill(side: Side, qty: str, price: str, fee: str = "0") -> Fill:
    return Fill("f", "b-1", "BTCUSDT", side, D(price), D(qty), D(fee), "USDT", Liquidity.TAKER, 0)


def test_a_sell_from_flat_opens_a_short_and_a_second_adds_at_the_average() -> None:
    p = Position("BTCUSDT").apply_signed(_fill(Side.SELL, "0.5", "20000", "5.5"))
    assert (p.qty, p.avg_price, p.realised_pnl) == (D("-0.5"), D(20000), D("-5.5"))
    assert p.fees == D("5.5")
    p = p.apply_signed(_fill(Side.SELL, "0.5", "22000"))
    # (0.5 x 20 000 + 0.5 x 22 000) / 1 = 21 000
    assert (p.qty, p.avg_price) == (D("-1.0"), D(21000))
    assert p.unrealised(D(20000)) == D(1000)  # a short gains as the price falls


def test_a_buy_reduces_then_closes_a_short_realising_its_gain() -> None:
    p = Position("BTCUSDT").apply_signed(_fill(Side.SELL, "1", "21000"))
    p = p.apply_signed(_fill(Side.BUY, "0.4", "20000", "4.4"))
    # (21 000 - 20 000) x 0.4 = 400, less the fee 4.4
    assert (p.qty, p.avg_price, p.realised_pnl) == (D("-0.6"), D(21000), D("395.6"))
    p = p.apply_signed(_fill(Side.BUY, "0.6", "22000"))
    # (21 000 - 22 000) x 0.6 = -600
    assert (p.qty, p.avg_price, p.realised_pnl) == (D("0.0"), D(0), D("-204.4"))


def test_a_buy_beyond_a_short_flips_it_long_at_the_fill_price() -> None:
    p = Position("BTCUSDT").apply_signed(_fill(Side.SELL, "1", "20000"))
    p = p.apply_signed(_fill(Side.BUY, "1.5", "19000"))
    assert (p.qty, p.avg_price, p.realised_pnl) == (D("0.5"), D(19000), D(1000))
    p = p.apply_signed(_fill(Side.SELL, "1", "19500"))
    # the long's 0.5 closes at +500 x 0.5 = 250; the other 0.5 opens a short at 19 500
    assert (p.qty, p.avg_price, p.realised_pnl) == (D("-0.5"), D(19500), D(1250))


def test_a_long_on_a_perpetual_settles_as_the_spot_rule_does() -> None:
    fills = [_fill(Side.BUY, "1", "100", "0.1"), _fill(Side.BUY, "1", "110"),
             _fill(Side.SELL, "1.5", "120", "0.2")]  # fmt: skip
    signed = spot = Position("BTCUSDT")
    for f in fills:
        signed, spot = signed.apply_signed(f), spot.apply(f)
    assert signed == spot
    assert (signed.qty, signed.avg_price, signed.realised_pnl) == (D("0.5"), D(105), D("22.2"))
