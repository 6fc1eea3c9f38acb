"""The clusterizer's parts: deterministic k-means, the features, the preset rule."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from traderagent.marketdata import CandleSeries
from traderagent.optimize.cluster_features import ClusterError, SymbolFeatures, measure
from traderagent.optimize.clusters import cluster_symbols, grid_strategy
from traderagent.optimize.kmeans import default_k, kmeans, standardised


def blobs() -> np.ndarray:
    rng = np.random.default_rng(3)
    centres = np.array([[5.0, 0.0], [0.0, 0.0], [0.0, 5.0]])
    return np.vstack([c + rng.normal(0, 0.2, (6, 2)) for c in centres])


def test_kmeans_finds_separated_groups_and_numbers_them_by_centre() -> None:
    labels, centres = kmeans(blobs(), 3)
    assert labels.tolist() == [2] * 6 + [0] * 6 + [1] * 6  # ordered by first feature, then second
    assert centres[:, 0].tolist() == sorted(centres[:, 0].tolist())
    again, _ = kmeans(blobs(), 3)
    assert again.tolist() == labels.tolist()


def test_kmeans_refuses_a_k_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="between 1 and the number of points"):
        kmeans(blobs()[:2], 3)
    assert kmeans(np.zeros((3, 2)), 2)[0].shape == (3,)  # identical points: still labels


def test_standardised_and_default_k() -> None:
    z = standardised(np.array([[1.0, 7.0], [3.0, 7.0]]))
    assert z.tolist() == [[-1.0, 0.0], [1.0, 0.0]]
    assert [default_k(n) for n in (1, 2, 6, 8, 18, 50)] == [1, 1, 2, 2, 3, 5]


def series(volatility: float, volume: float, hours: int = 48, seed: int = 0) -> CandleSeries:
    rng = np.random.default_rng(seed)
    n = hours * 60
    close = 100 * np.exp(np.cumsum(rng.normal(0, volatility, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    return CandleSeries(
        "TESTUSDT",
        60_000,
        1_677_628_800_000 + 60_000 * np.arange(n),
        open_,
        np.maximum(open_, close),
        np.minimum(open_, close),
        close,
        np.full(n, volume),
    )


def test_features_rank_volatility_and_measure_hourly_quote_volume() -> None:
    calm = measure("CALM", "calm.csv", series(0.0005, 2.0))
    wild = measure("WILD", "wild.csv", series(0.005, 2.0))
    assert 0 < calm.atr_pct < wild.atr_pct
    assert wild.atr_pct / calm.atr_pct == pytest.approx(10, rel=0.3)
    assert calm.hours == 48
    assert calm.quote_volume_h == pytest.approx(60 * 2.0 * 100, rel=0.2)  # 60 candles x 2 x ~100
    with pytest.raises(ClusterError, match="needs at least 15"):
        measure("SHORT", "short.csv", series(0.001, 1.0, hours=10))


def feature(symbol: str, atr_pct: float, volume: float) -> SymbolFeatures:
    return SymbolFeatures(symbol, f"{symbol}.csv", atr_pct, volume, 100)


def test_symbols_cluster_by_volatility_and_volume() -> None:
    found = [
        feature("A", 0.2, 1e5),
        feature("B", 0.22, 1.2e5),
        feature("C", 1.0, 1e6),
        feature("D", 1.1, 1.1e6),
        feature("E", 3.0, 1e7),
        feature("F", 3.3, 1.3e7),
    ]
    clusters = cluster_symbols(found, 3)
    assert [[m.symbol for m in c.members] for c in clusters] == [["A", "B"], ["C", "D"], ["E", "F"]]
    assert [c.name for c in clusters] == ["cluster-1", "cluster-2", "cluster-3"]
    assert clusters[1].atr_pct == pytest.approx(1.05)
    assert len(cluster_symbols(found, None)) == 2  # round(sqrt(6 / 2))
    with pytest.raises(ValueError, match="--k must be between 1 and the number of symbols"):
        cluster_symbols(found, 7)


def test_the_preset_rule_scales_the_grid_with_the_atr() -> None:
    normal = cluster_symbols([feature("A", 1.0, 1e7)], 1)[0]
    grid = grid_strategy(normal, Decimal(10_000))
    assert grid["levels"] == 49  # +-12 ATR, a level every ATR / 2
    assert grid["bounds"] == {"atr_multiple": "12", "atr_period": 14, "interval": "1h"}
    assert grid["amount_per_level"] == "187.50"  # 90 % of 10,000 over 48 slots
    calm = grid_strategy(cluster_symbols([feature("A", 0.1, 1e7)], 1)[0], Decimal(10_000))
    assert calm["levels"] == 17  # the step stops at 0.15 %: 2 x 12 x 0.1 / 0.15 + 1
    thin = grid_strategy(cluster_symbols([feature("A", 1.0, 50_000)], 1)[0], Decimal(10_000))
    assert thin["amount_per_level"] == "50.00"  # capped at 0.1 % of an hour's quote volume
