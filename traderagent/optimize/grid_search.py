"""Coarse-to-fine grid search: a coarse lattice over the whole space, then finer lattices
around the best few points, until the trial budget is spent or the lattice cannot get finer.

1. Coarse: every combination of the choices, times a lattice of k evenly spaced values on
   each numeric range (in the range's unit coordinates, so `log: true` ranges are spaced
   geometrically), with k the largest that keeps the lattice within half of the budget.
2. Refine: halve the spacing; around each of the best `FINALISTS` trials so far, the lattice
   of {x - h, x, x + h} on every numeric range (their choices kept), or only the 2 x m axis
   neighbours when that full lattice does not fit in the budget left. Points already
   evaluated are skipped; values snap to each range's step.
3. Once the spacing is below every range's step around the current finalists (nothing finer
   exists there), they are done: refinement restarts from the coarse spacing around the
   next best trials, until the budget is spent or every trial has been refined around.

Deterministic: the same space and budget evaluate the same points in the same order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

from traderagent.optimize.pool import BatchEvaluator
from traderagent.optimize.space import NumericParam, ParamValue, Point, SearchSpace
from traderagent.optimize.trials import TrialLog

COARSE_SHARE = 0.5
"""Share of the budget the coarse lattice may take."""
FINALISTS = 3
"""How many of the best trials each refinement round searches around."""
FINEST = 1e-9
"""A continuous range refines down to this spacing (in unit coordinates)."""


class SearchError(ValueError):
    """A search that cannot run as asked (the message says what to change)."""


def grid_search(
    space: SearchSpace,
    budget: int,
    evaluate: BatchEvaluator,
    log: TrialLog,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Evaluate at most `budget` points of `space` into `log` (see the module docstring).
    `progress` gets the number of trials evaluated after each batch; `cancelled` stops the
    search between batches."""
    combos = choice_combinations(space)
    if len(combos) > budget:
        raise SearchError(
            f"the choices alone make {len(combos)} combinations, more than the {budget} trials "
            "allowed: raise --trials or list fewer choices"
        )
    numeric = space.numeric
    counts = lattice_counts(numeric, len(combos), max(len(combos), int(budget * COARSE_SHARE)))
    seen: set[tuple[str, ...]] = set()
    runner = _Runner(evaluate, log, budget, seen, progress, cancelled, space.names)
    runner.run(p for combo in combos for p in lattice(numeric, counts, combo))
    coarse = [1.0 / (k - 1) if k > 1 else 0.5 for k in counts]
    finest = [max(resolution(p) / 2, FINEST) for p in numeric]
    spacing, done = coarse, set[tuple[str, ...]]()
    while numeric and runner.left > 0 and not runner.stopped:
        candidates = (r.params for r in log.ranked() if r.metrics is not None)
        finalists = [p for p in candidates if point_key(p) not in done][:FINALISTS]
        if not finalists:
            break
        spacing = [h / 2 for h in spacing]
        if all(h < f for h, f in zip(spacing, finest, strict=True)):
            done.update(point_key(f) for f in finalists)  # nothing finer exists around them
            spacing = coarse
            continue
        full = 3 ** len(numeric) * len(finalists) <= runner.left
        runner.run(p for f in finalists for p in neighbours(numeric, f, spacing, full=full))


def choice_combinations(space: SearchSpace) -> list[Point]:
    """Every combination of the choices' options (one empty point when there are none)."""
    choices = space.choices
    return [
        {c.name: v for c, v in zip(choices, values, strict=True)}
        for values in itertools.product(*(c.options for c in choices))
    ]


def lattice_counts(numeric: Sequence[NumericParam], combos: int, budget: int) -> list[int]:
    """Values per numeric range for the coarse lattice: the same k for each (capped by how
    many values a range holds), as large as `combos` x the lattice allows within `budget`."""
    best = [1] * len(numeric)
    k = 2
    while numeric and k <= max(p.size for p in numeric):
        counts = [min(k, p.size) for p in numeric]
        size = combos
        for c in counts:
            size *= c
        if size > budget:
            break
        best, k = counts, k + 1
    return best


def resolution(param: NumericParam) -> float:
    """The smallest gap between two of the range's values, in unit coordinates (0 for a
    continuous range)."""
    step = param.step if param.step is not None else 0.0
    if step == 0.0 or param.high == param.low:
        return 0.0
    return param.to_unit(param.high) - param.to_unit(param.high - step)


def lattice(numeric: Sequence[NumericParam], counts: Sequence[int], fixed: Point) -> list[Point]:
    axes = [[i / (k - 1) for i in range(k)] if k > 1 else [0.5] for k in counts]
    return [_point(numeric, units, fixed) for units in itertools.product(*axes)]


def neighbours(
    numeric: Sequence[NumericParam], centre: Point, spacing: Sequence[float], *, full: bool
) -> list[Point]:
    """The lattice {x - h, x, x + h} around `centre` (or its axis neighbours only)."""
    units = [p.to_unit(float(centre[p.name])) for p in numeric]  # type: ignore[arg-type]
    if full:
        axes = [(u - h, u, u + h) for u, h in zip(units, spacing, strict=True)]
        return [_point(numeric, list(us), centre) for us in itertools.product(*axes)]
    points = []
    for d, h in enumerate(spacing):
        for sign in (-1.0, 1.0):
            moved = list(units)
            moved[d] += sign * h
            points.append(_point(numeric, moved, centre))
    return points


def _point(numeric: Sequence[NumericParam], units: Sequence[float], fixed: Point) -> Point:
    point: dict[str, ParamValue] = dict(fixed)
    for p, u in zip(numeric, units, strict=True):
        point[p.name] = p.from_unit(u)
    return point


def point_key(point: Point) -> tuple[str, ...]:
    return tuple(f"{name}={value!r}" for name, value in sorted(point.items()))


class _Runner:
    """Evaluates new points in batches within the budget, recording them in the log."""

    def __init__(
        self,
        evaluate: BatchEvaluator,
        log: TrialLog,
        budget: int,
        seen: set[tuple[str, ...]],
        progress: Callable[[int], None] | None,
        cancelled: Callable[[], bool] | None,
        names: Sequence[str],
    ) -> None:
        self.evaluate, self.log, self.budget, self.seen = evaluate, log, budget, seen
        self.progress, self.cancelled, self.names = progress, cancelled, names
        self.stopped = False

    @property
    def left(self) -> int:
        return self.budget - len(self.seen)

    def run(self, points: Iterable[Point]) -> None:
        fresh: list[Point] = []
        for point in points:
            key = point_key(point)
            if key not in self.seen and self.left > 0:
                self.seen.add(key)
                fresh.append({n: point[n] for n in self.names})  # in the space file's order
        size = max(self.evaluate.batch_size, 1)
        for start in range(0, len(fresh), size):
            if self.stopped or (self.cancelled is not None and self.cancelled()):
                self.stopped = True
                return
            for outcome in self.evaluate(fresh[start : start + size]):
                self.log.add(outcome)
            if self.progress is not None:
                self.progress(len(self.log.records))
