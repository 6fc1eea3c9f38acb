"""B2 against a peer in the same run: vectorbt on the dense synthetic year (PERFORMANCE.md: a
451-level grid over 2,600-25,100 at 200 USDT a level, ~20,800 fills), goal >= 10x faster end to
end. vectorbt is the `bench` extra; install it in an environment of its own and name its
interpreter in `BENCH_VECTORBT_PYTHON` (`python3 -m venv /tmp/vbt && /tmp/vbt/bin/pip install
vectorbt`): it brings SciPy, which numba imports whenever it is installed, slowing every first
kernel call of the other rows. Without it the row says so and counts as information.

Both run as whole commands in fresh processes, on the same CSV (synth_candles.py's format):
- ours: `traderagent backtest --fast --data dense.csv`, printing all it prints (metrics, the
  fill-model reruns, regimes, Monte Carlo), its kernel cache and decoded-candle copy warm;
- vectorbt: a script that imports it, reads the CSV with pandas and replays our fills with
  `Portfolio.from_orders` (vectorbt has no grid: it is handed the orders, one per candle, the
  fills of a candle merged, which all fall on one side), then takes its total return, max
  drawdown and Sharpe ratio; its numba cache is warm (one run first).
vectorbt is given our decisions, so only its bookkeeping is timed: a lower bound of what a
grid costs it. Gated on correctness first: vectorbt's order count is the candles with fills,
its final value ours to 1e-9 and its max drawdown ours to 1e-4 (relative; they differ by
~6e-6: 6.05939 % and 6.05942 % on this year); ours prints the in-process metrics.
The figure is vectorbt's wall time over ours (median of 3 each).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from benchmarks.result import Result
from benchmarks.startup import timed_command, user_env
from benchmarks.stepped import DENSE_CONFIG

REPEATS = 3
INIT_CASH = 1_000_000.0  # DENSE_CONFIG's balance
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # synth_candles.py's, and VECTORBT's below


def write_dense_csv(path: Path, candles: int | None = None) -> None:
    """The dense year (its first `candles`) as synth_candles.py writes it (open_time, open,
    high, low, close, volume)."""
    import pandas as pd

    from benchmarks.stepped import dense_year

    year = dense_year() if candles is None else dense_year().head(candles)
    times = pd.to_datetime(year.ts, unit="ms", utc=True).strftime(TIME_FORMAT)
    columns = {"open_time": times, "open": year.open, "high": year.high, "low": year.low}
    columns.update({"close": year.close, "volume": year.volume})
    pd.DataFrame(columns).to_csv(path, index=False)


def our_orders(config_path: Path, csv: Path) -> tuple[np.ndarray, dict[str, float]]:
    """Our run in this process: one merged order per candle with fills as (size, price, fixed
    fee) rows for `from_orders` (size NaN: no order), and the figures the peer must match."""
    from traderagent.backtest.fast import run_fast_backtest
    from traderagent.config import load_config
    from traderagent.domain import Side

    config = load_config(config_path)
    config = config.model_copy(
        update={"replay": config.replay.model_copy(update={"data": str(csv)})}
    )
    result = run_fast_backtest(config, regimes=False)
    n = len(result.candles)
    base = np.zeros(n)  # signed base moved at the candle
    cash = np.zeros(n)  # quote paid (buy) or received before the fee (sell)
    fee = np.zeros(n)
    at = result.equity.fill_candles  # the candle of each fill
    assert at is not None and len(at) == len(result.fills)  # noqa: S101 - a kernel run's curve
    for i, f in zip(at.tolist(), result.fills, strict=True):
        if f.side is Side.BUY:  # paid qty x price in quote, credited qty less the base fee
            base[i] += float(f.base_qty)
            cash[i] += float(f.qty * f.price + (Decimal(0) if f.fee_in_base else f.fee))
        else:
            base[i] -= float(f.base_qty)
            cash[i] += float(f.qty * f.price)
            fee[i] += float(f.fee_value)
    traded = base != 0
    orders = np.full((3, n), np.nan)
    orders[0, traded] = base[traded]
    orders[1] = np.inf  # vectorbt: the close (no order there)
    orders[1, traded] = cash[traded] / np.abs(base[traded])
    orders[2] = 0.0
    orders[2, traded] = fee[traded]
    m = result.metrics
    figures = {
        "orders": float(traded.sum()),
        "final_equity": float(m.final_equity),
        "max_drawdown_pct": m.max_drawdown_pct,
    }
    return orders, figures


VECTORBT = """\
import json, sys
import numpy as np, pandas as pd, vectorbt as vbt
csv, orders, cash = sys.argv[1], sys.argv[2], float(sys.argv[3])
frame = pd.read_csv(csv)
index = pd.to_datetime(frame["open_time"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
close = pd.Series(frame["close"].to_numpy(), index=index)
size, price, fixed = np.load(orders)
pf = vbt.Portfolio.from_orders(close, size=size, price=price, fees=0.0, fixed_fees=fixed,
                               init_cash=cash, direction="longonly", freq="1min")
print(json.dumps({"orders": float(pf.orders.count()), "final_equity": float(pf.final_value()),
                  "max_drawdown_pct": -float(pf.max_drawdown()) * 100,
                  "total_return": float(pf.total_return()), "sharpe": float(pf.sharpe_ratio())}))
"""
"""The peer as a user's script: import vectorbt, read the CSV, replay the orders, its metrics."""
PEER_PYTHON = "BENCH_VECTORBT_PYTHON"
"""An interpreter with vectorbt, when not this one's: numba imports SciPy whenever it is
installed (a version check), and vectorbt brings it, which would slow every first kernel call
and grow every kernel process by ~40 MB in the environment the other rows measure."""


def peer_python() -> str | None:
    """The interpreter to run vectorbt with: `BENCH_VECTORBT_PYTHON`, else this one if it
    has vectorbt, else None (the row is skipped)."""
    chosen = os.environ.get(PEER_PYTHON)
    if chosen:
        return chosen
    return sys.executable if importlib.util.find_spec("vectorbt") is not None else None


def _peer_run(python: str, csv: Path, orders: Path) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    out = subprocess.run(  # noqa: S603 - a chosen interpreter and our own script
        [python, "-c", VECTORBT, str(csv), str(orders), str(INIT_CASH)],
        check=True,
        capture_output=True,
        text=True,
        env=user_env(),
    )
    wall = time.perf_counter() - started
    return wall, json.loads(out.stdout.strip().splitlines()[-1])


def _close(a: float, b: float, tolerance: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def results() -> list[Result]:
    name = "vs vectorbt, dense year, whole commands (vectorbt / ours)"
    python = peer_python()
    if python is None:
        skipped = f"{name}: skipped, install the bench extra (see benchmarks/peer.py)"
        return [Result("B2", skipped, math.nan, "x", None, True)]
    with tempfile.TemporaryDirectory(prefix="ta-peer-") as tmp:
        root = Path(tmp)
        csv, config = root / "dense.csv", root / "dense.yaml"
        write_dense_csv(csv)
        config.write_text(DENSE_CONFIG)
        orders, ours = our_orders(config, csv)
        np.save(root / "orders.npy", orders)
        env = user_env({"TRADERAGENT_DATA_DIR": str(root / "data")})
        args = ["backtest", "--fast", "--config", str(config), "--data", str(csv)]
        timed_command([*args, "--json", str(root / "ours.json")], env)  # warm caches
        printed = json.loads((root / "ours.json").read_text())
        if not _close(float(printed["final_equity"]), ours["final_equity"]):
            raise AssertionError(f"backtest --fast printed {printed['final_equity']}, not {ours}")
        _, peer = _peer_run(python, csv, root / "orders.npy")  # warms vectorbt's numba cache
        for key, tolerance in (("orders", 0), ("final_equity", 1e-9), ("max_drawdown_pct", 1e-4)):
            if not _close(peer[key], ours[key], tolerance):
                raise AssertionError(f"vectorbt's {key} is {peer[key]}, ours {ours[key]}")
        mine = statistics.median(timed_command(args, env)[0] for _ in range(REPEATS))
        runs = [_peer_run(python, csv, root / "orders.npy")[0] for _ in range(REPEATS)]
        theirs = statistics.median(runs)
    print(
        f"B2 peer: dense year, {ours['orders']:,.0f} candles with fills; backtest --fast "
        f"{mine:.2f} s, vectorbt {theirs:.2f} s (final equity {ours['final_equity']:,.2f} both;"
        f" max drawdown ours {ours['max_drawdown_pct']:.5f} %, vectorbt's"
        f" {peer['max_drawdown_pct']:.5f} %)",
        file=sys.stderr,
    )
    label = f"{name}: {theirs:.2f} s / {mine:.2f} s"
    return [Result("B2", label, theirs / mine, "x", 10, True)]
