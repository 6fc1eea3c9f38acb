"""Trials: what one evaluation produced, its score, and how trials rank.

Ranking: feasible trials with a defined score first, best first (the first objective decides,
the next ones break ties, then the trial number); then infeasible ones by how far they miss
their constraints; then trials without a score; then trials that could not run (an invalid
parameter combination). The best trial is the first of that order when it is feasible; with
several objectives it is also on the Pareto front, since it is best on the first one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from traderagent.backtest.halts import Halt
from traderagent.backtest.metrics import Metrics
from traderagent.backtest.rejections import Rejections
from traderagent.optimize.objectives import Constraint, Objective
from traderagent.optimize.space import Point


@dataclass(frozen=True, slots=True)
class Outcome:
    """One evaluation of a point: its metrics, or why it could not run."""

    params: Point
    metrics: Metrics | None
    error: str = ""
    """Why the point could not run (an invalid combination of parameters); '' when it ran."""
    evaluator: str = ""
    """`kernel` or `engine`: what computed the metrics."""
    repeat_of: int | None = None
    """The earlier trial of this run with the same parameters, whose result this reuses."""


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """A scored trial: its outcome, its objective values and its constraint violations."""

    number: int
    params: Point
    metrics: Metrics | None
    values: tuple[float | None, ...]
    violations: tuple[float, ...] = ()
    error: str = ""
    evaluator: str = ""
    repeat_of: int | None = None
    """Not evaluated again: the same parameters as this earlier trial of the run."""

    @property
    def halted(self) -> bool:
        """The account's risk limits halted the bot during this trial's backtest."""
        return self.metrics is not None and self.metrics.halted is not None

    @property
    def scored(self) -> bool:
        return self.metrics is not None and all(v is not None for v in self.values)

    @property
    def feasible(self) -> bool:
        """Ran, has a score, and meets every constraint."""
        return self.scored and all(v <= 0 for v in self.violations)

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "params": dict(self.params),
            "values": list(self.values),
            "feasible": self.feasible,
            "violations": list(self.violations),
            "error": self.error or None,
            "evaluator": self.evaluator,
            "halted": self.halted,
            "repeat_of": self.repeat_of,
            "metrics": self.metrics.as_json() if self.metrics is not None else None,
        }


def score(
    outcome: Outcome,
    number: int,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
) -> TrialRecord:
    metrics = outcome.metrics
    if metrics is None:
        values: tuple[float | None, ...] = tuple(None for _ in objectives)
        violations: tuple[float, ...] = ()
    else:
        values = tuple(_finite(o.value(metrics)) for o in objectives)
        violations = tuple(c.violation(metrics) for c in constraints)
    return TrialRecord(
        number,
        dict(outcome.params),
        metrics,
        values,
        violations,
        outcome.error,
        outcome.evaluator,
        outcome.repeat_of,
    )


def ranked(records: Sequence[TrialRecord], objectives: Sequence[Objective]) -> list[TrialRecord]:
    """Best first (see the module docstring)."""

    def key(r: TrialRecord) -> tuple[Any, ...]:
        if r.metrics is None:
            return (3, 0.0, (), r.number)
        if not r.scored:
            return (2, 0.0, (), r.number)
        signed = tuple(-v for v in gains(r, objectives))
        if not r.feasible:
            return (1, sum(max(v, 0.0) for v in r.violations), signed, r.number)
        return (0, 0.0, signed, r.number)

    return sorted(records, key=key)


def best_trial(
    records: Sequence[TrialRecord], objectives: Sequence[Objective]
) -> TrialRecord | None:
    order = ranked(records, objectives)
    return order[0] if order and order[0].feasible else None


def pareto_front(
    records: Sequence[TrialRecord], objectives: Sequence[Objective]
) -> list[TrialRecord]:
    """The feasible trials no other feasible trial beats on every objective, best first."""
    feasible = [r for r in ranked(records, objectives) if r.feasible]
    signed = [gains(r, objectives) for r in feasible]
    front = []
    seen: set[tuple[float, ...]] = set()
    for i, mine in enumerate(signed):
        dominated = any(
            all(a >= b for a, b in zip(other, mine, strict=True)) and other != mine
            for other in signed
        )
        if not dominated and mine not in seen:
            seen.add(mine)
            front.append(feasible[i])
    return front


def gains(record: TrialRecord, objectives: Sequence[Objective]) -> tuple[float, ...]:
    """A scored trial's objective values, each signed so that larger is better."""
    values = [v if v is not None else -math.inf for v in record.values]
    return tuple(v if o.maximize else -v for o, v in zip(objectives, values, strict=True))


def metrics_from_json(data: dict[str, Any]) -> Metrics:
    """`Metrics.as_json()` read back (Decimals from their exact strings, the halt from its
    object; a field an older study did not store keeps its default)."""
    values: dict[str, Any] = {}
    for f in fields(Metrics):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "halted":
            value = Halt.from_json(value) if value is not None else None
        elif f.name == "rejected_orders":
            value = Rejections.from_json(value)
        elif f.type in ("Decimal", Decimal):
            value = Decimal(value)
        values[f.name] = value
    return Metrics(**values)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class TrialLog:
    """The trials of one search, numbered in the order they were evaluated."""

    def __init__(self, objectives: Sequence[Objective], constraints: Sequence[Constraint]) -> None:
        self.objectives = tuple(objectives)
        self.constraints = tuple(constraints)
        self.records: list[TrialRecord] = []

    def add(self, outcome: Outcome, number: int | None = None) -> TrialRecord:
        number = len(self.records) if number is None else number
        record = score(outcome, number, self.objectives, self.constraints)
        self.records.append(record)
        return record

    def ranked(self) -> list[TrialRecord]:
        return ranked(self.records, self.objectives)
