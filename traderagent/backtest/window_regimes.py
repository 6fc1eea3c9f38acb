"""Walk-forward test windows by market regime: which regime each out-of-sample window traded
in, and how the windows of each regime did (`traderagent walkforward`'s regime table).

Each window belongs to the regime it spent most of its time in (the classifier's timeline over
the whole data, `regime_log.regime_changes`); per regime: the windows, their mean and worst
out-of-sample return, and the share of the test time spent in it across all windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from traderagent.backtest.regime_log import Change


@dataclass(frozen=True, slots=True)
class TestWindow:
    """One out-of-sample window, [start_ms, end_ms), and its return (None: it did not run)."""

    start_ms: int
    end_ms: int
    return_pct: float | None


@dataclass(frozen=True, slots=True)
class RegimeWindows:
    regime: str
    windows: int
    mean_return_pct: float | None
    worst_return_pct: float | None
    time_pct: float
    """Share of all the test windows' time spent in this regime."""

    def as_json(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "windows": self.windows,
            "mean_return_pct": self.mean_return_pct,
            "worst_return_pct": self.worst_return_pct,
            "time_pct": self.time_pct,
        }


def time_in(changes: Sequence[Change], start: int, end: int) -> dict[str, int]:
    """Milliseconds of [start, end) each label held (the last change before `start` holds at
    it; before the first change nothing is known, and nothing is counted)."""
    spent: dict[str, int] = {}
    for k, change in enumerate(changes):
        until = changes[k + 1].ts if k + 1 < len(changes) else end
        a, b = max(change.ts, start), min(until, end)
        if b > a:
            spent[change.label] = spent.get(change.label, 0) + b - a
    return spent


def by_regime(changes: Sequence[Change], windows: Sequence[TestWindow]) -> list[RegimeWindows]:
    """Per regime (the most-held first), its windows' out-of-sample returns."""
    totals: dict[str, int] = {}
    owned: dict[str, list[float | None]] = {}
    for window in windows:
        spent = time_in(changes, window.start_ms, window.end_ms)
        for label, ms in spent.items():
            totals[label] = totals.get(label, 0) + ms
        if spent:
            owner = max(spent, key=lambda label: spent[label])
            owned.setdefault(owner, []).append(window.return_pct)
    whole = sum(totals.values()) or 1
    rows = []
    for label in sorted(totals, key=lambda name: -totals[name]):
        returns = [r for r in owned.get(label, []) if r is not None]
        rows.append(
            RegimeWindows(
                regime=label,
                windows=len(owned.get(label, [])),
                mean_return_pct=sum(returns) / len(returns) if returns else None,
                worst_return_pct=min(returns) if returns else None,
                time_pct=totals[label] / whole * 100.0,
            )
        )
    return rows


def regime_window_lines(rows: Sequence[RegimeWindows]) -> list[str]:
    """The table, then the regime whose windows did worst, in one line."""
    if not rows:
        return ["Out-of-sample by regime: no test window"]
    width = max(len("regime"), *(len(r.regime) for r in rows))
    lines = [
        "Out-of-sample by regime (each test window under the regime it spent most time in)",
        f"  {'regime':<{width}}  {'time':>7}  {'windows':>7}  {'mean OOS':>9}  {'worst OOS':>9}",
    ]

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:+.2f} %"

    lines.extend(
        f"  {r.regime:<{width}}  {r.time_pct:>5.1f} %  {r.windows:>7}"
        f"  {pct(r.mean_return_pct):>9}  {pct(r.worst_return_pct):>9}"
        for r in rows
    )
    scored = [r for r in rows if r.mean_return_pct is not None]
    if scored:
        worst = min(scored, key=lambda r: r.mean_return_pct or 0.0)
        lines.append(
            f"  weakest regime out of sample: {worst.regime}, mean {pct(worst.mean_return_pct)}"
            f" over {worst.windows} window(s)"
        )
    return lines
