"""The backtest charts a trader reads: the drawdown chart plots the metric's own drawdown with
its axis down to the deepest point, labelled with the reported figure; buys show beside sells;
the grid's levels lie faint under the price."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from traderagent.backtest.plots import drawdown_chart, drawdown_series, price_chart
from traderagent.backtest.runner import BacktestResult, run_backtest_sync
from traderagent.config import load_config


@pytest.fixture(scope="module")
def three_weeks() -> BacktestResult:
    """The default grid on all the bundled candles (max drawdown 10.69 %, 300-odd cycles)."""
    return run_backtest_sync(load_config(None))


def test_the_drawdown_axis_reaches_the_reported_maximum(three_weeks: BacktestResult) -> None:
    deepest = three_weeks.metrics.max_drawdown_pct
    assert deepest > 10  # the case of the report: -8.7 % on the axis for 10.44 %
    assert float(drawdown_series(three_weeks).min()) == pytest.approx(-deepest, abs=1e-9)
    for height in (8, 12, 20):
        chart = drawdown_chart(three_weeks, 100, height, color=False)
        label = f"-{deepest:.2f}┤"
        assert label in chart, chart
        assert chart.index(label) > chart.index("0┤")  # the deepest tick is the lowest


def test_buys_show_beside_sells_and_levels_under_the_price(three_weeks: BacktestResult) -> None:
    chart = price_chart(three_weeks, 100, 14, color=False)
    both = chart.count("◆")
    buys, sells = chart.count("▲") + both, chart.count("▼") + both
    # a grid buys and sells about as often (here in 46 columns each): neither hides the other
    assert both > 0 and buys > 30 and sells > 30 and abs(buys - sells) <= buys / 3, chart
    assert "·" in chart and "-----" not in chart  # levels are faint dots, not solid rules
    assert "⠉" in chart or "⠒" in chart  # the price line is there


def test_a_short_run_draws_its_drawdown_to_scale() -> None:
    result = run_backtest_sync(
        load_config(None),
        start=datetime(2023, 3, 6, tzinfo=UTC),
        end=datetime(2023, 3, 13, tzinfo=UTC),
    )
    chart = drawdown_chart(result, 90, 12, color=False)
    assert f"-{result.metrics.max_drawdown_pct:.2f}┤" in chart
