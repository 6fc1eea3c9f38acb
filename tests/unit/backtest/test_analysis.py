"""The backtest report beyond the metrics, on hand-checked cases: periods, regimes (and routes),
the Monte Carlo over the trades, the perturbed candles and the period bar chart."""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest

from traderagent.backtest.analysis_text import period_bars
from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.montecarlo import MIN_TRADES, fragility, monte_carlo
from traderagent.backtest.periods import breakdown
from traderagent.backtest.perturb import perturbed
from traderagent.backtest.regime_log import Change
from traderagent.backtest.stress import costliest, label_stats
from traderagent.backtest.trades import RoundTrip
from traderagent.marketdata import CandleSeries

D = Decimal
HOUR = 3_600_000
DAY = 24 * HOUR
T0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a Wednesday


def curve(values: list[float], starting: float = 1000.0, step: int = 12 * HOUR) -> EquityCurve:
    """One point per candle of `step`, the first candle opening at T0."""
    n = len(values)
    close_ts = T0 + step * np.arange(1, n + 1, dtype=np.int64)
    return EquityCurve(
        close_ts,
        np.asarray(values, dtype=np.float64),
        D(starting),
        D(str(values[-1])),
        np.zeros(0, dtype=np.int64),
    )


def trip(ts: int, pnl: str, bot: str = "b") -> RoundTrip:
    return RoundTrip(bot, ts, D(1), D(100), D(100), D(pnl))


def test_periods_split_equity_and_trades_by_utc_day() -> None:
    # 12h candles: day 1 closes at 12:00 and 24:00 (the latter is day 1's: its close - 1 ms)
    eq = curve([1100.0, 990.0, 1050.0, 1050.0, 1020.0, 1080.0])
    trades = [
        trip(T0 + 5 * HOUR, "40"),
        trip(T0 + 20 * HOUR, "-15"),
        trip(T0 + 2 * DAY + HOUR, "7"),
    ]
    rows = breakdown(eq, trades, "day")
    assert [r.period for r in rows] == ["2023-03-01", "2023-03-02", "2023-03-03"]
    assert [r.trades for r in rows] == [2, 0, 1]
    assert [r.wins for r in rows] == [1, 0, 1]
    assert [r.pnl for r in rows] == [D(25), D(0), D(7)]
    # day 1: 1000 -> 1100 -> 990; day 2: 990 -> 1050 -> 1050; day 3: 1050 -> 1020 -> 1080
    assert [r.equity_change for r in rows] == pytest.approx([-10.0, 60.0, 30.0])
    assert [r.max_drawdown_pct for r in rows] == pytest.approx([10.0, 0.0, 30 / 1050 * 100])
    assert sum(r.equity_change for r in rows) == pytest.approx(1080.0 - 1000.0)


def test_periods_by_week_start_on_monday_and_by_month_on_the_first() -> None:
    eq = curve([1000.0 + k for k in range(20)])  # 10 days from Wed 2023-03-01
    weeks = breakdown(eq, [], "week")
    # candles 0..9 close Wed 1 .. Sun 5 March (W09), 10..19 Mon 6 .. Fri 10 March (W10)
    assert [w.period for w in weeks] == ["2023-W09", "2023-W10"]
    assert [w.start_ms for w in weeks] == [T0 - 2 * DAY, T0 + 5 * DAY]
    assert [w.equity_change for w in weeks] == pytest.approx([9.0, 10.0])
    months = breakdown(eq, [], "month")
    assert [m.period for m in months] == ["2023-03"]
    with pytest.raises(ValueError, match="use one of day, week, month"):
        breakdown(eq, [], "year")


def test_regime_stats_split_time_pnl_drawdown_trades_and_exposure() -> None:
    # 8 candles of 12h: warming up for 2, TIGHT_RANGE for 3, BEAR_TREND for 2, TIGHT again 1
    eq = curve([1000.0, 1010.0, 1030.0, 1000.0, 1020.0, 960.0, 900.0, 930.0])
    close = lambda k: T0 + 12 * HOUR * (k + 1)  # noqa: E731 - the close of candle k
    changes = [
        Change(T0, "warming up"),
        Change(close(2), "TIGHT_RANGE"),  # candle 2 closes when the change is confirmed
        Change(close(5), "BEAR_TREND"),
        Change(close(7), "TIGHT_RANGE"),
    ]
    trades = [trip(close(3) - 1, "12"), trip(close(4), "-2"), trip(close(6), "-50")]
    share = np.asarray([0, 0, 50, 50, 50, 80, 80, 20], dtype=np.float64)
    stats = {s.label: s for s in label_stats(eq, changes, trades, share, 12 * HOUR)}
    assert list(stats) == ["warming up", "TIGHT_RANGE", "BEAR_TREND"]
    warm, tight, bear = stats["warming up"], stats["TIGHT_RANGE"], stats["BEAR_TREND"]
    assert (warm.candles, tight.candles, bear.candles) == (2, 4, 2)
    assert tight.time_pct == 50.0 and tight.duration_ms == 2 * DAY
    # TIGHT: 1010 -> 1030 -> 1000 -> 1020 (+10), then 900 -> 930 (+30)
    assert tight.pnl == pytest.approx(40.0)
    assert bear.pnl == pytest.approx(900.0 - 1020.0)
    assert warm.pnl + tight.pnl + bear.pnl == pytest.approx(930.0 - 1000.0)
    assert tight.max_drawdown_pct == pytest.approx(30 / 1030 * 100)
    assert bear.max_drawdown_pct == pytest.approx(120 / 1020 * 100)
    assert (tight.trades, tight.win_rate, tight.trade_pnl) == (2, 0.5, D(10))
    assert (bear.trades, bear.win_rate) == (1, 0.0)
    assert warm.trades == 0 and warm.win_rate is None
    assert tight.exposure_pct == pytest.approx((50 + 50 + 50 + 20) / 4)
    line = costliest(list(stats.values()))
    assert line == "costliest regime: BEAR_TREND -120.00 (25.0 % of the time, max DD 11.76 %)"
    assert costliest([tight]) == "no regime lost money; the weakest was TIGHT_RANGE (+40.00)"


def test_monte_carlo_of_two_trades_has_the_hand_counted_outcomes() -> None:
    # +100 then -100 from 1000: peak 1100, fall 9.09 %; -100 then +100: fall 10 %.
    # Bootstrapped: ++ (0 %), +- (9.09 %), -+ (10 %), -- (1000 -> 800: 20 %), a quarter each
    mc = monte_carlo([D(100), D(-100)], D(1000), runs=4000, seed=3, halt_pct=D(15))
    assert mc is not None and mc.trades == 2 and mc.runs == 4000
    shuffle, boot = mc.distributions
    assert shuffle.return_pct == pytest.approx((0.0, 0.0, 0.0))
    assert shuffle.max_drawdown_pct[0] == pytest.approx(100 / 1100 * 100)
    assert shuffle.max_drawdown_pct[2] == pytest.approx(10.0)
    assert shuffle.halt_chance == 0.0
    assert boot.return_pct == pytest.approx((-20.0, 0.0, 20.0))
    low, median, high = boot.max_drawdown_pct
    assert (low, high) == pytest.approx((0.0, 20.0))
    assert 100 / 1100 * 100 - 1e-9 <= median <= 10.0 + 1e-9  # between the middle two outcomes
    assert boot.halt_chance == pytest.approx(0.25, abs=0.03)
    assert mc.fragility == "only 2 closed trades: too few to judge the result by"
    again = monte_carlo([D(100), D(-100)], D(1000), runs=4000, seed=3, halt_pct=D(15))
    assert again == mc  # seeded
    assert monte_carlo([], D(1000)) is None
    no_halt = monte_carlo([D(1)], D(1000), runs=10)
    assert no_halt is not None and no_halt.distributions[0].halt_chance is None


def test_fragility_says_when_a_few_trades_carry_the_result() -> None:
    lucky = [D(1000)] + [D(-10)] * 59  # +410 from 60 trades; the best 3 (5 %): +980
    assert fragility(lucky) == (
        "the result depends on a few trades: without the best 3 of 60 the closed trades"
        " make -570.00"
    )
    steady = [D(5)] * MIN_TRADES
    assert fragility(steady) is None
    assert fragility([D(-5)] * MIN_TRADES) is None  # a loss is not carried by a few winners


def test_a_thousand_runs_over_a_year_of_trades_take_well_under_seconds() -> None:
    rng = np.random.default_rng(5)
    pnl = [D(str(round(x, 2))) for x in rng.normal(0.2, 8.0, 5000)]
    began = time.perf_counter()
    mc = monte_carlo(pnl, D(10_000), runs=1000)
    # the target is under a second on an idle machine; the bound is generous for a busy CI
    assert time.perf_counter() - began < 10.0
    assert mc is not None and mc.runs == 1000


def test_perturbed_candles_stay_within_each_range_and_chain_opens() -> None:
    n = 500
    rng = np.random.default_rng(1)
    mid = 100 + np.cumsum(rng.normal(0, 1, n))
    candles = CandleSeries(
        symbol="BTCUSDT",
        interval_ms=60_000,
        ts=T0 + 60_000 * np.arange(n, dtype=np.int64),
        open=mid.copy(),
        high=mid + 2,
        low=mid - 2,
        close=mid + 1,
        volume=np.ones(n),
    )
    path = perturbed(candles, np.random.default_rng(9))
    assert np.all(path.close >= candles.low) and np.all(path.close <= candles.high)
    assert np.all(path.open >= candles.low) and np.all(path.open <= candles.high)
    assert np.array_equal(path.high, candles.high) and np.array_equal(path.low, candles.low)
    assert path.open[0] == candles.open[0]
    inside = (path.close[:-1] >= candles.low[1:]) & (path.close[:-1] <= candles.high[1:])
    assert np.array_equal(path.open[1:][inside], path.close[:-1][inside])
    assert not np.array_equal(path.close, candles.close)


def test_period_bars_put_losses_left_and_gains_right_of_the_axis() -> None:
    eq = curve([1100.0, 1050.0, 1050.0, 1075.0])  # day 1: +50, day 2: +25
    rows = breakdown(eq, [], "day")
    rows[1] = type(rows[1])(**{**rows[1].as_json(), "pnl": D(0), "equity_change": -25.0})
    lines = period_bars(rows, width=4)
    assert lines == [
        "  2023-03-01     │████ +50.00",
        "  2023-03-02   ██│     -25.00",
    ]


def test_walkforward_windows_are_grouped_by_the_regime_they_traded_in() -> None:
    from traderagent.backtest.window_regimes import TestWindow, by_regime, regime_window_lines

    changes = [Change(0, "warming up"), Change(10, "TIGHT_RANGE"), Change(25, "BULL_TREND")]
    windows = [
        TestWindow(0, 10, None),  # all warming up, did not run
        TestWindow(10, 20, -2.0),  # all TIGHT
        TestWindow(20, 30, 4.0),  # 5 TIGHT, 5 BULL: the first most-held wins ties
        TestWindow(22, 32, 1.0),  # 3 TIGHT, 7 BULL
    ]
    rows = {r.regime: r for r in by_regime(changes, windows)}
    assert rows["TIGHT_RANGE"].windows == 2 and rows["TIGHT_RANGE"].mean_return_pct == 1.0
    assert rows["TIGHT_RANGE"].worst_return_pct == -2.0
    assert rows["BULL_TREND"].windows == 1 and rows["BULL_TREND"].mean_return_pct == 1.0
    assert rows["warming up"].windows == 1 and rows["warming up"].mean_return_pct is None
    assert rows["TIGHT_RANGE"].time_pct == pytest.approx(18 / 40 * 100)
    assert rows["BULL_TREND"].time_pct == pytest.approx(12 / 40 * 100)
    lines = regime_window_lines(list(rows.values()))
    assert lines[-1] == "  weakest regime out of sample: TIGHT_RANGE, mean +1.00 % over 2 window(s)"


def test_perturbation_summary_is_the_hand_read_spread_of_its_runs() -> None:
    from traderagent.backtest.analysis_text import perturbation_lines
    from traderagent.backtest.perturb import Perturbation, perturbation_runs

    # three runs: returns +1, -2, +3 % (median +1), drawdowns 5, 4, 6 %; two are profitable
    spread = Perturbation(11, (1.0, -2.0, 3.0), (5.0, 4.0, 6.0))
    assert perturbation_lines(spread)[1] == (
        "  3 runs: return -2.00 .. +3.00 % (median +1.00 %), max drawdown 4.00 .. 6.00 %,"
        " 2 of 3 profitable"
    )
    assert spread.as_json()["profitable"] == 2 and spread.as_json()["runs"] == 3
    # each run sees its own perturbed path (seeded): the last close differs run to run
    n = 50
    flat = CandleSeries(
        symbol="BTCUSDT",
        interval_ms=60_000,
        ts=T0 + 60_000 * np.arange(n, dtype=np.int64),
        open=np.full(n, 100.0),
        high=np.full(n, 110.0),
        low=np.full(n, 90.0),
        close=np.full(n, 100.0),
        volume=np.ones(n),
    )
    seen = perturbation_runs(flat, lambda c: (float(c.close[-1]) - 100.0, 0.0), 4, seed=5)
    assert len(set(seen.returns_pct)) == 4 and all(-10 <= r <= 10 for r in seen.returns_pct)
    assert perturbation_runs(flat, lambda c: (float(c.close[-1]) - 100, 0.0), 4, 5) == seen
    done: list[int] = []

    def counted(c: CandleSeries) -> tuple[float, float]:
        done.append(1)
        return float(c.close[-1]) - 100.0, 0.0

    stopped = perturbation_runs(flat, counted, 4, 5, cancelled=lambda: len(done) >= 2)
    assert stopped.returns_pct == seen.returns_pct[:2]  # no run starts once cancelled


def test_the_side_by_side_table_has_a_column_per_config_as_wide_as_its_widest_cell() -> None:
    from pathlib import Path

    from traderagent.backtest.compare import comparison_table, names_of

    names = names_of([None, Path("a/grid.yaml"), Path("b/grid.yaml")])
    assert names == ["default", "grid (2)", "grid (3)"]  # two files named alike: numbered
    rows = [("net PnL", ["+1.00", "-120.50", "+3.00"]), ("trades", ["7", "12", "1,204"])]
    # label column 7 wide; columns "default" (7), "grid (2)" (8), "grid (3)" (8), right-aligned
    assert comparison_table(names, rows).splitlines() == [
        "           default  grid (2)  grid (3)",
        "  net PnL    +1.00   -120.50     +3.00",
        "  trades         7        12     1,204",
    ]


def test_the_side_by_side_names_a_costliest_regime_only_when_one_lost_money() -> None:
    from decimal import Decimal

    from traderagent.backtest.compare import costliest_cell
    from traderagent.backtest.stress import LabelStats

    def stats(label: str, pnl: float) -> LabelStats:
        return LabelStats(label, 10, 600_000, 50.0, 1, 1.0, pnl, Decimal(0), 0.0, 0.0)

    assert costliest_cell([stats("RANGE", 2.47), stats("BULL_TREND", 9.0)]) == "none lost"
    assert costliest_cell([stats("RANGE", 2.47), stats("BEAR_TREND", -120.0)]) == (
        "BEAR_TREND -120.00"
    )
    assert costliest_cell([]) == "-"
