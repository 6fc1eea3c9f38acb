"""A walk-forward's windows as a table (in-sample next to out-of-sample) and as JSON."""

from __future__ import annotations

from typing import Any

from traderagent.clock import format_ts
from traderagent.optimize.report import format_value
from traderagent.optimize.walkforward import DAY_MS, WalkForwardResult, WindowResult


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _day(ms: int) -> str:
    return format_ts(ms)[:16]


def _halts(w: WindowResult) -> str:
    """Which side the risk limits halted: IS, OOS, both, or '-'."""
    ins, out = w.halted
    return "IS+OOS" if ins and out else "IS" if ins else "OOS" if out else "-"


def window_row(w: WindowResult) -> list[str]:
    ins, out = w.in_sample, w.out_of_sample
    params = (
        ", ".join(f"{k}={format_value(v)}" for k, v in w.best.params.items()) if w.best else w.error
    )
    return [
        str(w.window.index + 1),
        f"{_day(w.window.train_start)} -> {_day(w.window.train_end)}",
        f"{_day(w.window.test_start)} -> {_day(w.window.test_end)}",
        _pct(ins.return_pct if ins else None),
        _pct(out.return_pct if out else None),
        _ratio(ins.max_drawdown_pct if ins else None),
        _ratio(out.max_drawdown_pct if out else None),
        _ratio(w.return_ratio),
        _ratio(w.efficiency),
        f"{len(w.trades):,}" if out is not None else "n/a",
        _halts(w),
        params if not (w.best and w.error) else f"{params} ({w.error})",
    ]


def walkforward_table(result: WalkForwardResult) -> str:
    header = [
        "#",
        "train (UTC)",
        "test (UTC)",
        "IS ret %",
        "OOS ret %",
        "IS DD %",
        "OOS DD %",
        "OOS/IS",
        "per day",
        "OOS trades",
        "halted",
        "best parameters",
    ]
    rows = [header, *(window_row(w) for w in result.windows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            c.rjust(w) if 3 <= i <= 9 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def aggregate_lines(result: WalkForwardResult) -> list[str]:
    pairs = [(w.in_sample, w.out_of_sample) for w in result.windows]
    ins = [i.return_pct for i, o in pairs if i is not None and o is not None]
    outs = [o.return_pct for i, o in pairs if i is not None and o is not None]
    mean_in = sum(ins) / len(ins) if ins else None
    mean_out = sum(outs) / len(outs) if outs else None
    lines = [
        f"Windows {len(result.windows)} (train {result.train_ms / DAY_MS:g} d, "
        f"test {result.test_ms / DAY_MS:g} d) in {result.elapsed_s:.1f} s",
        f"  mean in-sample return      {_pct(mean_in)} % per window",
        f"  mean out-of-sample return  {_pct(mean_out)} % per window",
        f"  OOS / IS return            {_ratio(result.return_ratio)}",
        f"  walk-forward efficiency    {_ratio(result.efficiency)} "
        "(OOS return per day / IS return per day)",
    ]
    halted = sum(1 for w in result.windows if w.halted[1])
    if halted:
        lines.append(
            f"  halted out of sample       {halted} of {len(result.windows)} windows "
            "(the risk limits stopped the bot; it kept its holdings)"
        )
    if result.cancelled:
        lines.append("  (cancelled: the figures cover the windows finished until then)")
    return lines


def walkforward_json(result: WalkForwardResult, bot: str) -> dict[str, Any]:
    return {
        "bot": bot,
        "data": result.data_label,
        "train_days": result.train_ms / DAY_MS,
        "test_days": result.test_ms / DAY_MS,
        "return_ratio": result.return_ratio,
        "efficiency": result.efficiency,
        "elapsed_s": result.elapsed_s,
        "cancelled": result.cancelled,
        "windows": [
            {
                "index": w.window.index,
                "train_start": format_ts(w.window.train_start),
                "train_end": format_ts(w.window.train_end),
                "test_start": format_ts(w.window.test_start),
                "test_end": format_ts(w.window.test_end),
                "params": w.best.params if w.best else None,
                "trial": w.best.number if w.best else None,
                "in_sample": w.in_sample.as_json() if w.in_sample else None,
                "out_of_sample": w.out_of_sample.as_json() if w.out_of_sample else None,
                "return_ratio": w.return_ratio,
                "efficiency": w.efficiency,
                "out_of_sample_closed_trades": len(w.trades) if w.out_of_sample else None,
                "halted": {"in_sample": w.halted[0], "out_of_sample": w.halted[1]},
                "error": w.error or None,
            }
            for w in result.windows
        ],
    }
