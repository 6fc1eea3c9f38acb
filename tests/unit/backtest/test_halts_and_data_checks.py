"""A backtest's halt as JSON and as a table row, the kernel's halt worded as the engine's
`EquityWatch` words it, and the warnings about doubtful data (symbol in the file name, gaps)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from traderagent.backtest.data_checks import gap_warnings, named_symbol, symbol_warning
from traderagent.backtest.equity import equity_curve
from traderagent.backtest.halts import Halt, kernel_halt
from traderagent.backtest.metrics import compute_metrics
from traderagent.backtest.report import metric_rows
from traderagent.config.risk import RiskConfig
from traderagent.domain import Fill, Liquidity, Side
from traderagent.engine.risk.equity_watch import EquityWatch
from traderagent.marketdata import CandleSeries

MIN = 60_000
DAY = 86_400_000


def series(closes: list[float], ts: list[int] | None = None) -> CandleSeries:
    c = np.array(closes, dtype=np.float64)
    times = np.array(ts if ts is not None else [k * MIN for k in range(len(c))], dtype=np.int64)
    return CandleSeries("BTCUSDT", MIN, times, c, c, c, c, np.ones(len(c)))


def buy(ts: int, price: str, qty: str, tag: str = "b0") -> Fill:
    return Fill(
        fill_id=f"f{ts}",
        client_order_id=f"c{ts}",
        symbol="BTCUSDT",
        side=Side.BUY,
        price=Decimal(price),
        qty=Decimal(qty),
        fee=Decimal(0),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=ts,
        bot="bot",
        tag=tag,
    )


def test_a_halt_is_json_both_ways_and_a_row_of_the_table() -> None:
    halt = Halt(1678386780000, "drawdown 3.01% from the peak 10096.37 USDT exceeds the limit 3%")
    assert Halt.from_json(halt.as_json()) == halt
    assert halt.describe() == f"2023-03-09 18:33 UTC: {halt.reason}"
    candles = series([100.0, 100.0])
    curve = equity_curve(candles, [], balances={"USDT": Decimal(1000)}, base="BTC", quote="USDT")
    plain = compute_metrics([], curve, orders=0, grid_cycles=None, elapsed_s=0.05)
    halted = compute_metrics([], curve, orders=0, grid_cycles=None, elapsed_s=0.05, halted=halt)
    assert "halted" not in dict(metric_rows(plain)) and plain.as_json()["halted"] is None
    assert metric_rows(halted)[-1] == ("halted", halt.describe())
    assert halted.as_json()["halted"] == {"ts": halt.ts, "reason": halt.reason}
    assert dict(metric_rows(plain))["elapsed"].startswith("50.0 ms")


def test_the_kernels_halt_is_worded_as_the_engines_equity_watch_words_it() -> None:
    # 1 BTC bought at 100 with 1000 USDT; the price rises to 110 (the peak), then falls to 99
    closes = [100.0, 105.0, 110.0, 108.0, 99.0, 98.0]
    candles = series(closes)
    fills = [buy(0, "100", "1")]
    balances = {"USDT": Decimal(1000)}
    curve = equity_curve(
        candles, fills, balances=balances, base="BTC", quote="USDT", fill_candles=np.array([0])
    )
    risk = RiskConfig(max_drawdown_pct=Decimal(1))
    watch = EquityWatch(risk, "USDT")
    breaches = [watch.observe(int(t), Decimal(900) + Decimal(repr(c))) for t, c in zip(
        candles.ts, closes, strict=True)]  # fmt: skip
    first = next(k for k, b in enumerate(breaches) if b is not None)
    assert first == 4
    halt_ts = int(candles.ts[first]) + MIN
    halt = kernel_halt(
        risk, halt_ts, candles, fills, curve, balances=balances, base="BTC", quote="USDT"
    )
    reason = breaches[first].reason  # type: ignore[union-attr]
    assert halt == Halt(halt_ts, reason)
    assert reason == (
        "drawdown 1.09% from the peak 1010.00 USDT exceeds the limit 1% (max_drawdown_pct)"
    )


def test_the_kernels_daily_loss_halt_counts_from_the_days_first_candle() -> None:
    ts = [DAY - 2 * MIN, DAY - MIN, DAY, DAY + MIN, DAY + 2 * MIN]
    closes = [100.0, 120.0, 110.0, 105.0, 90.0]
    candles = series(closes, ts)
    fills = [buy(0, "100", "1")]
    balances = {"USDT": Decimal(1000)}
    curve = equity_curve(
        candles, fills, balances=balances, base="BTC", quote="USDT", fill_candles=np.array([0])
    )
    risk = RiskConfig(max_drawdown_pct=None, max_daily_loss=Decimal(15))
    halt = kernel_halt(
        risk, DAY + 3 * MIN, candles, fills, curve, balances=balances, base="BTC", quote="USDT"
    )
    assert halt.reason == (
        "daily loss 20.00 USDT exceeds the limit 15 USDT (1970-01-02; max_daily_loss)"
    )


def test_a_file_named_for_another_symbol_is_told_apart() -> None:
    assert named_symbol("data/ETHUSDT-1m.csv") == "ETHUSDT"
    assert named_symbol("ethusdt_1m.parquet") == "ETHUSDT"
    assert named_symbol("bundled") is None and named_symbol("store:ETHUSDT-1m") is None
    assert named_symbol("candles.csv") is None and named_symbol("march-2023.csv") is None
    warning = symbol_warning("/x/ETHUSDT-1m.csv", {"BTCUSDT"})
    assert warning is not None and "looks like ETHUSDT candles" in warning
    assert "the bots trade BTCUSDT" in warning
    assert symbol_warning("/x/BTCUSDT-1m.csv", {"BTCUSDT"}) is None
    assert symbol_warning("/x/BTC-USDT_1m.csv", {"BTCUSDT"}) is None
    assert symbol_warning("/x/candles.csv", {"BTCUSDT"}) is None


def test_gaps_over_an_hour_are_warned_with_where_and_how_long() -> None:
    ts = [k * MIN for k in range(10)] + [k * MIN for k in range(71, 80)]
    ts += [k * MIN for k in range(100, 110)]  # a 20-candle gap: too short to mention
    holed = series([100.0] * len(ts), ts)
    assert gap_warnings(holed) == [
        "the data misses 61 candles from 1970-01-01 00:10 to 1970-01-01 01:11 UTC: "
        "the replay jumps over the gap"
    ]
    assert gap_warnings(series([100.0] * 5)) == []
    many = [k * 100 * MIN for k in range(6)]
    warnings = gap_warnings(series([1.0] * 6, many))
    assert len(warnings) == 4 and warnings[-1] == "... and 2 more gaps of over 60 candles"
