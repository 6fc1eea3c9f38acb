"""Group symbols by volatility and liquidity, and write a starting grid preset per group.

Features: log(ATR %) and log(1 + hourly quote volume), standardised, clustered by the
deterministic k-means of `kmeans` (k from the user, or `default_k`). Clusters are numbered
from the calmest to the most volatile.

The starting preset of a cluster is a geometric grid around the price, sized from the
cluster's median ATR % (a = ATR(14) on 1 h bars / price, in %):

- range: price +- `ATR_MULTIPLE` x ATR(14, 1h), measured when the grid opens (`bounds`);
- spacing: one level every max(a / 2, `MIN_STEP_PCT`) percent, so levels =
  2 x ATR_MULTIPLE x a / step + 1 (49 when the step is a / 2), between 5 and 201;
- amount per level: the balance x `DEPLOYED` / (levels - 1), capped at `VOLUME_SHARE` of the
  cluster's median hourly quote volume (never below `MIN_AMOUNT`);

traded on the symbol nearest the cluster's centre, on that symbol's candles. A starting point
for `traderagent optimize`, not a tuned result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from traderagent.optimize.cluster_features import SymbolFeatures
from traderagent.optimize.kmeans import default_k, kmeans, standardised

ATR_MULTIPLE = 12
MIN_STEP_PCT = 0.15
"""The narrowest level step: below it a round trip's two maker fees eat most of a cycle."""
DEPLOYED = Decimal("0.9")
VOLUME_SHARE = Decimal("0.001")
MIN_AMOUNT = Decimal(10)
LEVELS = (5, 201)


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of symbols and the starting grid derived from it."""

    index: int
    members: tuple[SymbolFeatures, ...]
    representative: SymbolFeatures
    """The member nearest the cluster's centre: the preset trades it."""
    atr_pct: float
    quote_volume_h: float

    @property
    def name(self) -> str:
        return f"cluster-{self.index + 1}"


def cluster_symbols(features: list[SymbolFeatures], k: int | None) -> list[Cluster]:
    """The symbols in k groups (ValueError when k does not fit the number of symbols)."""
    n = len(features)
    k = default_k(n) if k is None else k
    if not 1 <= k <= n:
        raise ValueError(f"--k must be between 1 and the number of symbols ({n}), got {k}")
    raw = np.array(
        [[math.log(max(f.atr_pct, 1e-9)), math.log1p(f.quote_volume_h)] for f in features]
    )
    points = standardised(raw)
    labels, centres = kmeans(points, k)
    clusters = []
    for c in range(k):
        members = [i for i in range(n) if labels[i] == c]
        nearest = min(members, key=lambda i: (float(((points[i] - centres[c]) ** 2).sum()), i))
        clusters.append(
            Cluster(
                index=c,
                members=tuple(features[i] for i in members),
                representative=features[nearest],
                atr_pct=float(np.median([features[i].atr_pct for i in members])),
                quote_volume_h=float(np.median([features[i].quote_volume_h for i in members])),
            )
        )
    return clusters


def grid_strategy(cluster: Cluster, balance: Decimal) -> dict[str, Any]:
    """The starting grid of `cluster` (see the module docstring) as a strategy config."""
    step = max(cluster.atr_pct / 2, MIN_STEP_PCT)
    levels = round(2 * ATR_MULTIPLE * cluster.atr_pct / step) + 1
    levels = min(max(levels, LEVELS[0]), LEVELS[1])
    amount = balance * DEPLOYED / (levels - 1)
    cap = Decimal(repr(cluster.quote_volume_h)) * VOLUME_SHARE
    amount = max(min(amount, cap), MIN_AMOUNT).quantize(Decimal("0.01"))
    return {
        "kind": "grid",
        "bounds": {"atr_multiple": str(ATR_MULTIPLE), "atr_period": 14, "interval": "1h"},
        "levels": levels,
        "spacing": "geometric",
        "amount_per_level": str(amount),
    }


def preset_data(cluster: Cluster, balance: Decimal, quote: str) -> dict[str, Any]:
    """A whole config: the cluster's grid on its representative symbol's candles."""
    rep = cluster.representative
    return {
        "mode": "paper",
        "replay": {"data": rep.source, "symbol": rep.symbol},
        "paper": {"balances": {quote: str(balance)}},
        "bots": [
            {
                "name": f"{cluster.name}-grid",
                "symbol": rep.symbol,
                "strategy": grid_strategy(cluster, balance),
            }
        ],
    }
