"""What an optimisation maximises or minimises, and the limits a trial must respect.

Objectives read the `Metrics` of the one metrics module (`traderagent.backtest.metrics`):
`return` is `return_pct`, `max_drawdown` is `max_drawdown_pct` (minimised), `calmar` is
return % / max drawdown %. An objective whose metric is undefined for a trial (no trades for
`profit_factor`, a flat equity curve for `sharpe`) leaves that trial without a score: it ranks
last and is never chosen.

Constraints are `METRIC<=BOUND` or `METRIC>=BOUND` on any metric or objective name, e.g.
`max_drawdown_pct<=20` or `trades>=10`. A trial that breaks one is infeasible: it is kept in
the results (marked) and never chosen as the best. Each constraint's violation is a number,
<= 0 when met (Optuna's `constraints_func` convention). `halted` reads 1 for a trial the
account's risk limits halted, else 0: unless allowed, every search adds `NOT_HALTED`
(`halted<=0`), since a halted bot stops trading but keeps its holdings and its figures after
the halt are the market's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from traderagent.backtest.metrics import Metrics

UNDEFINED_VIOLATION = 1e12
"""The violation of a constraint whose metric is undefined for a trial (it is not met)."""


@dataclass(frozen=True, slots=True)
class Objective:
    """One figure to optimise: a metric and its direction."""

    name: str
    metric: str
    maximize: bool

    def value(self, metrics: Metrics) -> float | None:
        return metric_value(metrics, self.metric)

    @property
    def direction(self) -> str:
        return "maximize" if self.maximize else "minimize"


OBJECTIVES = {
    o.name: o
    for o in (
        Objective("return", "return_pct", True),
        Objective("net_pnl", "net_pnl", True),
        Objective("sharpe", "sharpe", True),
        Objective("sortino", "sortino", True),
        Objective("calmar", "calmar", True),
        Objective("profit_factor", "profit_factor", True),
        Objective("win_rate", "win_rate", True),
        Objective("max_drawdown", "max_drawdown_pct", False),
        Objective("fees", "fees", False),
        Objective("trades", "trades", True),
        Objective("grid_cycles", "grid_cycles", True),
    )
}
METRICS = tuple(f.name for f in fields(Metrics)) + ("calmar",)
_CONSTRAINT = re.compile(r"^\s*([a-z_]+)\s*(<=|>=)\s*(-?[0-9.]+(?:e-?[0-9]+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Constraint:
    """`metric <= bound` (or >=): a trial must meet it to be chosen."""

    metric: str
    op: str
    bound: float

    def violation(self, metrics: Metrics) -> float:
        value = metric_value(metrics, self.metric)
        if value is None:
            return UNDEFINED_VIOLATION
        return value - self.bound if self.op == "<=" else self.bound - value

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"


NOT_HALTED = Constraint("halted", "<=", 0.0)
"""The account's risk limits never halted the bot (added to a search unless halts are allowed)."""


def metric_value(metrics: Metrics, name: str) -> float | None:
    """A metric as a float (None when undefined); `calmar` is derived, `halted` is 1 or 0."""
    if name == "halted":
        return 0.0 if metrics.halted is None else 1.0
    if name == "calmar":
        dd = metrics.max_drawdown_pct
        return metrics.return_pct / dd if dd > 0 else None
    value = getattr(metrics, name)
    return None if value is None else float(value)


def parse_objectives(text: str) -> tuple[Objective, ...]:
    """`return` or `return,max_drawdown`: one or more objective names (ValueError if unknown)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError("--objective needs at least one name")
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown:
        raise ValueError(
            f"unknown objective {', '.join(unknown)}; choose from {', '.join(OBJECTIVES)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"--objective names a figure twice: {text}")
    return tuple(OBJECTIVES[n] for n in names)


def parse_constraint(text: str) -> Constraint:
    """`max_drawdown_pct<=20` (ValueError naming the problem)."""
    match = _CONSTRAINT.match(text)
    if match is None:
        raise ValueError(f"constraint {text!r}: write METRIC<=NUMBER or METRIC>=NUMBER")
    name, op, bound = match.groups()
    name = OBJECTIVES[name].metric if name in OBJECTIVES else name
    if name not in METRICS:
        raise ValueError(f"constraint {text!r}: unknown metric {name}; use {', '.join(METRICS)}")
    try:
        return Constraint(name, op, float(bound))
    except ValueError:
        raise ValueError(f"constraint {text!r}: {bound!r} is not a number") from None
