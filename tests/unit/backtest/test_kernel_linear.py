"""The kernels' linear position (`kernels.linear`) against the venue's own settlement model: a
random run of fills through `LinearPosition` and `LinearBook.book_fill`'s wallet arithmetic,
funding fees through `funding_fee`, liquidation and bankruptcy prices through
`liquidation_price` and `bankruptcy_price`, and the funding schedule through `funding_times`
and a `RateSeries`."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from traderagent.backtest.kernels.linear import (
    LP_CHARGES,
    LP_FEES,
    LP_FEES_C,
    LP_FUNDING,
    LP_SIZE,
    LP_SKIPPED,
    LP_WALLET_HI,
    LP_WALLET_LO,
    fill_fee,
    liquidation_ticks,
    new_position,
    position_margin,
    settle_funding,
    trade,
    unrealised,
)
from traderagent.backtest.kernels.linear_liquidation import bust_ticks
from traderagent.backtest.kernels.linear_prepare import funding_schedule, linear_constants
from traderagent.config.linear import LinearConfig
from traderagent.domain import Side
from traderagent.exchanges.paper.instruments import paper_instrument
from traderagent.exchanges.paper.linear import (
    ConstantRate,
    LinearPosition,
    RateSeries,
    funding_fee,
    funding_times,
)

D = Decimal
INST = paper_instrument("BTCUSDT", None)
CENT = D("0.01")


def wallet(lp: np.ndarray) -> Decimal:
    return D(lp[LP_WALLET_HI]) + D(lp[LP_WALLET_LO])


@pytest.mark.parametrize("leverage", [D(1), D(3), D("12.5")])
def test_a_random_run_of_fills_settles_as_the_venue_does(leverage: Decimal) -> None:
    config = LinearConfig(leverage=leverage, maker_fee=D("0.0002"), taker_fee=D("0.00055"))
    lc = linear_constants(config, INST)
    rng = np.random.default_rng(int(leverage * 10))
    position = LinearPosition("BTCUSDT", leverage)
    money, fees = D(10000), D(0)
    lp = new_position(10000.0, 0.0)
    tick, lot = INST.tick_size, INST.lot_size
    for _ in range(400):
        buy = rng.random() < 0.5
        lots, ticks = int(rng.integers(1, 41)), int(rng.integers(180_000, 320_001))
        taker = rng.random() < 0.3
        price, qty = ticks * tick, lots * lot
        fee = qty * price * (config.taker_fee if taker else config.maker_fee)
        _, pnl = position.trade(Side.BUY if buy else Side.SELL, qty, price)
        money += pnl - fee
        fees += fee
        fh, fl = fill_fee(lc, ticks, lots, taker)
        assert D(fh) + D(fl) == pytest.approx(fee, abs=D("1e-12"))
        closed, kernel_pnl = trade(lp, lc, buy, lots, ticks, fh, fl)
        assert D(kernel_pnl) == pytest.approx(pnl, abs=D("1e-8"))
        assert int(lp[LP_SIZE]) * lot == position.size * position.sign
        assert abs(wallet(lp) - money) < D("1e-9")
        margin = position.size * position.avg_price / leverage
        assert abs(D(position_margin(lp, lc)) - margin) < D("1e-8")
        mark = int(rng.integers(180_000, 320_001))
        assert abs(D(unrealised(lp, lc, mark)) - position.unrealised(mark * tick)) < D("1e-8")
        if position.size:
            position.margin = margin
            for extra in (D(0), D(1234.5)):
                liq = position.liquidation_price(extra)
                assert liq is not None
                assert abs(D(liquidation_ticks(lp, lc, float(extra))) * tick - liq) < D("1e-6")
                bust = position.bankruptcy_price(extra)
                assert bust is not None
                assert abs(D(bust_ticks(lp, lc, float(extra))) * tick - bust) < D("1e-6")
    assert abs(D(lp[LP_FEES]) + D(lp[LP_FEES_C]) - fees) < D("1e-9")
    assert money != D(10000)


def test_funding_is_charged_to_eight_decimals_as_the_venue_rounds_it() -> None:
    config = LinearConfig()
    lc = linear_constants(config, INST)
    rng = np.random.default_rng(7)
    for rate in (D("0.0001"), D("-0.000375"), D("0.00012345"), D("0.0000005")):
        rates = ConstantRate(rate)
        times, factors = funding_schedule(rates, INST, 0, 3 * 8 * 3_600_000)
        assert list(times) == funding_times(0, 3 * 8 * 3_600_000) and len(times) == 3
        for _ in range(200):
            lots, ticks = int(rng.integers(1, 5001)), int(rng.integers(100_000, 400_001))
            buy = rng.random() < 0.5
            lp = new_position(1000.0, 0.0)
            trade(lp, lc, buy, lots, 250_000, 0.0, 0.0)
            fee = settle_funding(lp, ticks, factors[0, 0], factors[0, 1])
            side = Side.BUY if buy else Side.SELL
            expected = funding_fee(side, lots * INST.lot_size, ticks * INST.tick_size, rate)
            assert D(repr(fee)) == expected
            assert wallet(lp) == pytest.approx(D(1000) - expected, abs=D("1e-10"))
            assert lp[LP_FUNDING] == fee and lp[LP_CHARGES] == 1


def test_a_mark_without_a_rate_is_skipped_and_counted_and_flat_pays_nothing() -> None:
    hour = 3_600_000
    series = RateSeries({"BTCUSDT": [(16 * hour, D("0.0002"))]})
    times, factors = funding_schedule(series, INST, 1, 24 * hour)
    assert list(times) == [8 * hour, 16 * hour, 24 * hour]
    assert np.isnan(factors[0, 0]) and not np.isnan(factors[1:, 0]).any()
    lc = linear_constants(LinearConfig(), INST)
    lp = new_position(500.0, 0.0)
    assert settle_funding(lp, 2_500_000, factors[1, 0], factors[1, 1]) == 0.0  # flat
    trade(lp, lc, False, 10_000, 2_500_000, 0.0, 0.0)  # a short of 0.01 BTC at 25000
    assert settle_funding(lp, 2_500_000, factors[0, 0], factors[0, 1]) == 0.0
    assert lp[LP_SKIPPED] == 1 and lp[LP_CHARGES] == 0
    # a short receives a positive rate: 0.01 x 25000 x 0.0002 = 0.05
    assert settle_funding(lp, 2_500_000, factors[1, 0], factors[1, 1]) == -0.05
    assert abs(wallet(lp) - D("500.05")) < D("1e-12")
    empty = funding_schedule(None, INST, 0, 24 * hour)
    assert empty[0].shape == (0,) and empty[1].shape == (0, 2)
