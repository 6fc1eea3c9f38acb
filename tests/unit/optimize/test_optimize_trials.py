"""Objectives, constraints, ranking, the best trial (never a halted one by default) and the
Pareto front."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit.optimize.synthetic import metrics

from traderagent.backtest.halts import Halt
from traderagent.backtest.metrics import Metrics
from traderagent.optimize.objectives import (
    NOT_HALTED,
    OBJECTIVES,
    UNDEFINED_VIOLATION,
    metric_value,
    parse_constraint,
    parse_objectives,
)
from traderagent.optimize.report import halt_cell, status
from traderagent.optimize.run import SearchPlan
from traderagent.optimize.trials import (
    Outcome,
    TrialLog,
    best_trial,
    metrics_from_json,
    pareto_front,
)


def test_objectives_parse_with_their_directions() -> None:
    found = parse_objectives("return, max_drawdown")
    assert [(o.metric, o.direction) for o in found] == [
        ("return_pct", "maximize"),
        ("max_drawdown_pct", "minimize"),
    ]
    with pytest.raises(ValueError, match="unknown objective profit; choose from return"):
        parse_objectives("profit")
    with pytest.raises(ValueError, match="twice"):
        parse_objectives("return,return")


@pytest.mark.parametrize(
    ("text", "metric", "op", "bound"),
    [
        ("max_drawdown_pct<=20", "max_drawdown_pct", "<=", 20.0),
        ("max_drawdown <= 12.5", "max_drawdown_pct", "<=", 12.5),
        ("trades>=10", "trades", ">=", 10.0),
        ("return>=-1", "return_pct", ">=", -1.0),
    ],
)
def test_constraints_parse(text: str, metric: str, op: str, bound: float) -> None:
    constraint = parse_constraint(text)
    assert (constraint.metric, constraint.op, constraint.bound) == (metric, op, bound)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drawdown<20", "write METRIC<=NUMBER"),
        ("luck>=1", "unknown metric luck"),
        ("trades>=1.2.3", "not a number"),
    ],
)
def test_bad_constraints_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_constraint(text)


def test_violations_are_non_positive_when_met() -> None:
    m = metrics(5.0, max_drawdown_pct=12.0, trades=3)
    assert parse_constraint("max_drawdown_pct<=20").violation(m) == -8.0
    assert parse_constraint("trades>=10").violation(m) == 7.0
    assert parse_constraint("sharpe>=1").violation(m) == UNDEFINED_VIOLATION  # sharpe undefined
    assert metric_value(m, "calmar") == pytest.approx(5 / 12)
    assert metric_value(metrics(1.0, 0.0), "calmar") is None


def test_ranking_puts_feasible_then_infeasible_then_unscored_then_invalid() -> None:
    log = TrialLog([OBJECTIVES["return"]], [parse_constraint("max_drawdown_pct<=10")])
    log.add(Outcome({"n": 0}, None, "upper must be above lower"))
    log.add(Outcome({"n": 1}, metrics(9.0, 30.0)))  # best return, infeasible
    log.add(Outcome({"n": 2}, metrics(2.0, 5.0)))
    log.add(Outcome({"n": 3}, metrics(4.0, 8.0)))
    log.add(Outcome({"n": 4}, metrics(8.0, 11.0)))  # closer to feasible than n=1
    sharpe = TrialLog([OBJECTIVES["sharpe"]], [])
    sharpe.add(Outcome({"n": 5}, metrics(1.0)))  # sharpe undefined: no score
    assert [r.params["n"] for r in log.ranked()] == [3, 2, 4, 1, 0]
    assert best_trial(log.records, log.objectives).params == {"n": 3}  # type: ignore[union-attr]
    assert best_trial(sharpe.records, sharpe.objectives) is None
    assert not sharpe.records[0].scored


def test_the_pareto_front_holds_only_undominated_feasible_trials() -> None:
    objectives = parse_objectives("return,max_drawdown")
    log = TrialLog(objectives, [parse_constraint("max_drawdown_pct<=20")])
    for n, (ret, dd) in enumerate([(5, 10), (3, 4), (4, 12), (6, 15), (9, 25), (1, 4)]):
        log.add(Outcome({"n": n}, metrics(ret, dd)))
    front = pareto_front(log.records, objectives)
    assert [r.params["n"] for r in front] == [3, 0, 1]  # (9, 25) breaks the constraint


def test_metrics_survive_a_json_round_trip() -> None:
    m = metrics(3.25, 1.5, trades=4)
    assert metrics_from_json(m.as_json()) == m


def halted(return_pct: float) -> Metrics:
    halt = Halt(1678386780000, "drawdown 3.01% from the peak 10000.00 USDT exceeds the limit 3%")
    return replace(metrics(return_pct), halted=halt)


def test_a_halted_trial_is_never_the_best_unless_halts_are_allowed() -> None:
    plain = SearchPlan("grid", 3, (OBJECTIVES["return"],))
    allowing = replace(plain, allow_halted=True)
    assert plain.limits == (NOT_HALTED,) and allowing.limits == ()
    chosen = {}
    for name, plan in (("default", plain), ("allowed", allowing)):
        log = TrialLog(plan.objectives, plan.limits)
        log.add(Outcome({"n": 0}, halted(12.0)))  # the best return: the market's, after the halt
        log.add(Outcome({"n": 1}, metrics(2.0)))
        chosen[name] = best_trial(log.records, log.objectives)
    assert chosen["default"] is not None and chosen["default"].params == {"n": 1}
    assert chosen["allowed"] is not None and chosen["allowed"].params == {"n": 0}
    record = TrialLog(plain.objectives, plain.limits).add(Outcome({"n": 0}, halted(1.0)))
    assert record.halted and not record.feasible and record.violations == (1.0,)
    assert status(record, plain.limits) == "infeasible: halted"
    assert halt_cell(record) == "2023-03-09 18:33"
    assert record.as_json()["halted"] is True
    assert metric_value(halted(1.0), "halted") == 1.0
    assert metric_value(metrics(1.0), "halted") == 0.0
    assert parse_constraint("halted<=0") == NOT_HALTED


def test_a_halt_survives_a_json_round_trip_and_older_trials_read_back() -> None:
    m = halted(3.0)
    assert metrics_from_json(m.as_json()) == m
    older = {k: v for k, v in metrics(1.0).as_json().items() if k != "halted"}
    assert metrics_from_json(older).halted is None  # a study written before halts were kept
