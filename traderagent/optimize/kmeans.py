"""Deterministic k-means (numpy only) for the clusterizer.

k-means++ starts from a fixed seed, `RESTARTS` times; the run with the smallest within-cluster
sum of squares wins. Clusters are then numbered by their centres (first feature ascending,
then the next), so the same data always gives the same labels in the same order.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SEED = 7
RESTARTS = 10
ITERATIONS = 100


def standardised(features: FloatArray) -> FloatArray:
    """Each column minus its mean, over its standard deviation (a constant column: 0)."""
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    scaled: FloatArray = (features - mean) / np.where(std > 0, std, 1.0)
    return scaled


def default_k(n: int) -> int:
    """The rule when the user gives no k: round(sqrt(n / 2)), at least 1, at most n."""
    return max(1, min(n, round(math.sqrt(n / 2))))


def kmeans(points: FloatArray, k: int, *, seed: int = SEED) -> tuple[IntArray, FloatArray]:
    """(label of each point, centres), labels 0..k-1 ordered by centre."""
    n = points.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of points ({n}), got {k}")
    rng = np.random.default_rng(seed)
    best: tuple[float, IntArray, FloatArray] | None = None
    for _ in range(RESTARTS):
        labels, centres = _lloyd(points, _plus_plus(points, k, rng))
        inertia = float(((points - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels, centres)
    assert best is not None  # noqa: S101 - RESTARTS >= 1
    _, labels, centres = best
    order = np.lexsort(centres.T[::-1])  # by the first feature, then the next
    rank = np.empty(k, np.int64)
    rank[order] = np.arange(k)
    return rank[labels], centres[order]


def _plus_plus(points: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    centres = [points[int(rng.integers(points.shape[0]))]]
    for _ in range(1, k):
        gaps = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        total = float(gaps.sum())
        pick = int(rng.choice(points.shape[0], p=gaps / total)) if total > 0 else 0
        centres.append(points[pick])
    return np.array(centres, dtype=np.float64)


def _nearest(points: FloatArray, centres: FloatArray) -> tuple[IntArray, FloatArray]:
    gaps = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return gaps.argmin(axis=1).astype(np.int64), gaps


def _lloyd(points: FloatArray, centres: FloatArray) -> tuple[IntArray, FloatArray]:
    for _ in range(ITERATIONS):
        labels, gaps = _nearest(points, centres)
        moved = centres.copy()
        for c in range(centres.shape[0]):
            members = points[labels == c]
            if members.size:
                moved[c] = members.mean(axis=0)
            else:  # an empty cluster takes the point farthest from its centre
                far = int(gaps[np.arange(points.shape[0]), labels].argmax())
                moved[c] = points[far]
        if np.allclose(moved, centres):
            break
        centres = moved
    return _nearest(points, centres)[0], centres
