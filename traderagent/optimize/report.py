"""An optimisation's results as text (the top trials, the best parameters) and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from traderagent.clock import format_ts
from traderagent.optimize.objectives import NOT_HALTED, Constraint, metric_value
from traderagent.optimize.run import SearchPlan, SearchResult
from traderagent.optimize.space import ParamValue, SearchSpace
from traderagent.optimize.trials import TrialRecord

SHOWN = ("return_pct", "max_drawdown_pct", "sharpe", "trades", "fees")
"""Metrics every results table shows; the objectives' own metrics are added after them."""
HEADERS = {
    "return_pct": "return %",
    "max_drawdown_pct": "max DD %",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "calmar": "Calmar",
    "profit_factor": "PF",
    "win_rate": "win %",
    "grid_cycles": "cycles",
    "net_pnl": "net PnL",
}


def format_value(value: ParamValue) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_metric(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name in ("trades", "grid_cycles", "fills", "orders"):
        return f"{value:,.0f}"
    if name == "win_rate":
        return f"{value * 100:.1f}"
    if name in ("return_pct", "net_pnl"):
        return f"{value:+,.2f}"
    return f"{value:,.2f}"


def status(record: TrialRecord, limits: Sequence[Constraint] = ()) -> str:
    """What stands out about a trial: invalid, no score, infeasible (and which constraints it
    breaks, `halted` for the risk halt), a repeat of an earlier trial."""
    if record.error:
        return f"invalid: {record.error}"
    if not record.scored:
        return "no score (objective undefined)"
    notes = []
    if not record.feasible:
        broken = [
            "halted" if c == NOT_HALTED else str(c)
            for c, v in zip(limits, record.violations, strict=False)
            if v > 0
        ]
        notes.append(f"infeasible: {', '.join(broken)}" if broken else "infeasible")
    if record.repeat_of is not None:
        notes.append(f"= trial {record.repeat_of} (not re-run)")
    return "; ".join(notes)


def halt_cell(record: TrialRecord) -> str:
    """When the risk limits halted the trial's bot, or '-'."""
    halt = record.metrics.halted if record.metrics is not None else None
    return format_ts(halt.ts) if halt is not None else "-"


def trials_table(
    records: Sequence[TrialRecord], space: SearchSpace, plan: SearchPlan, top: int
) -> str:
    """The `top` best trials: rank, trial number, parameters, metrics, when the risk limits
    halted the bot (`-`: never), status."""
    metrics = list(SHOWN) + [o.metric for o in plan.objectives if o.metric not in SHOWN]
    header = ["rank", "trial", *space.names, *(HEADERS.get(m, m) for m in metrics), "halted", ""]
    rows = [header]
    for rank, r in enumerate(records[:top], start=1):
        values = [format_value(r.params.get(n)) for n in space.names]
        shown = [
            format_metric(m, metric_value(r.metrics, m)) if r.metrics else "-" for m in metrics
        ]
        rows.append(
            [str(rank), str(r.number), *values, *shown, halt_cell(r), status(r, plan.limits)]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(w)
            if i >= len(header) - 2 or i in range(2, 2 + len(space.names))
            else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def summary_lines(result: SearchResult, plan: SearchPlan) -> list[str]:
    """What was searched, on what, how long it took."""
    goal = ", ".join(f"{o.direction} {o.name}" for o in plan.objectives)
    limits = ", ".join(str(c) for c in plan.constraints) or "none"
    halts = (
        "may be the best (--allow-halted)"
        if plan.allow_halted
        else "is never the best (--allow-halted allows it)"
    )
    mine = result.run_records
    counts = [f"{n} {k}" for k, n in sorted(result.evaluators.items())]
    invalid = sum(1 for r in mine if r.error)
    infeasible = sum(1 for r in mine if r.scored and not r.feasible)
    halted = sum(1 for r in mine if r.halted)
    counts += [f"{result.repeats} repeated (not re-run)"] if result.repeats else []
    counts += [f"{invalid} invalid"] if invalid else []
    counts += [f"{infeasible} infeasible"] if infeasible else []
    counts += [f"{halted} halted"] if halted else []
    paths = ", ".join(counts) or "none"
    done = len(mine)
    rate = done / result.elapsed_s if result.elapsed_s > 0 else 0.0
    lines = [
        f"Optimisation ({plan.method}) of {goal}; constraints: {limits}",
        f"  halts    a trial the account's risk limits halted {halts}",
        f"  data     {result.data_label}",
        f"  period   {format_ts(result.first_ms)} -> {format_ts(result.end_ms)} UTC",
        f"  trials   {done} ({paths}) in {result.elapsed_s:.1f} s"
        f" ({rate:.1f} trials/s, {plan.workers} worker{'s' if plan.workers > 1 else ''})",
    ]
    if result.study:
        total = len(result.records)
        held = f": {total} trials in all, {total - done} from other runs" if total > done else ""
        lines.append(f"  study    {result.study}{held}")
        if len(result.workers) > 1:
            ran = ", ".join(f"{w} {n}" for w, n in sorted(result.workers.items()))
            lines.append(f"  workers  {len(result.workers)}, trials each: {ran}")
    if result.cancelled:
        lines.append("  (cancelled: the results cover the trials finished until then)")
    return lines


def best_lines(best: TrialRecord | None, space: SearchSpace) -> list[str]:
    if best is None:
        return ["No trial met the constraints with a defined objective: nothing to export."]
    params = ", ".join(f"{n}={format_value(best.params.get(n))}" for n in space.names)
    return [f"Best: trial {best.number}: {params}"]


def halt_lines(result: SearchResult, plan: SearchPlan) -> list[str]:
    """Why halted trials were passed over, when any was (and halts are not allowed)."""
    halted = [r for r in result.records if r.halted and r.scored]
    if plan.allow_halted or not halted:
        return []
    return [
        f"{len(halted)} trial{'s were' if len(halted) > 1 else ' was'} halted by the account's "
        "risk limits (risk.max_drawdown_pct, risk.max_daily_loss) and not chosen: after a halt "
        "the bot holds its position without trading; --allow-halted lets them be chosen"
    ]


def front_lines(result: SearchResult, plan: SearchPlan) -> list[str]:
    """With several objectives: the Pareto front, one trial per line, best first."""
    if len(plan.objectives) < 2:
        return []
    if not result.front:
        return ["Pareto front: empty (no feasible trial)"]
    lines = [f"Pareto front ({len(result.front)} trials, none beaten on every objective):"]
    for r in result.front:
        figures = ", ".join(
            f"{o.name} {format_metric(o.metric, v)}{' %' if o.metric.endswith('_pct') else ''}"
            for o, v in zip(plan.objectives, r.values, strict=True)
        )
        lines.append(f"  trial {r.number}: {figures}")
    return lines


def result_json(
    result: SearchResult, space: SearchSpace, plan: SearchPlan, bot: str
) -> dict[str, Any]:
    """Everything about the search: its settings, every trial, the best and the front."""
    return {
        "bot": bot,
        "strategy": space.kind,
        "data": result.data_label,
        "start": format_ts(result.first_ms),
        "end": format_ts(result.end_ms),
        "method": plan.method,
        "seed": plan.seed,
        "study": result.study,
        "objectives": [
            {"name": o.name, "metric": o.metric, "direction": o.direction} for o in plan.objectives
        ],
        "constraints": [str(c) for c in plan.limits],
        "allow_halted": plan.allow_halted,
        "elapsed_s": result.elapsed_s,
        "run_trials": len(result.run_records),
        "repeats": result.repeats,
        "evaluators": result.evaluators,
        "workers": result.workers,
        "cancelled": result.cancelled,
        "best": result.best.as_json() if result.best else None,
        "pareto_front": [r.as_json() for r in result.front],
        "trials": [r.as_json() for r in result.records],
    }
