"""The peer row's orders (`benchmarks.peer.our_orders`): replayed as vectorbt books them (cash
and base per order, the fixed fee off a sale), they end on our final equity, one per candle
with fills. vectorbt itself is not needed here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import peer
from benchmarks.stepped import DENSE_CONFIG


def test_the_orders_replayed_end_on_our_equity(tmp_path: Path) -> None:
    csv, config = tmp_path / "dense.csv", tmp_path / "dense.yaml"
    peer.write_dense_csv(csv, 40_000)
    config.write_text(DENSE_CONFIG)
    orders, ours = peer.our_orders(config, csv)
    size, price, fixed = orders
    traded = ~np.isnan(size)
    assert traded.sum() == ours["orders"] > 100
    cash = peer.INIT_CASH - float(np.sum(size[traded] * price[traded])) - float(fixed.sum())
    held = float(np.sum(size[traded]))
    last_close = float(np.loadtxt(csv, delimiter=",", skiprows=1, usecols=4)[-1])
    assert abs(cash + held * last_close - ours["final_equity"]) < 1e-6 * ours["final_equity"]
    assert np.all(np.isinf(price[~traded])) and np.all(fixed[size > 0] == 0)
