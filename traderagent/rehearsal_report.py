"""What a rehearsal found: the venue's ground truth against what the bots journaled.

A rehearsal passes when every order the venue holds is one the bots know, in the same state,
no order reached the venue twice, every trade the venue executed was booked exactly once, and
no bot ended halted. Faults injected and warnings logged are reported, not judged: coping
with them is the point.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from traderagent.domain import BotState, Fill, Order, OrderStatus
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord

SHOWN = 5  # examples listed per finding


@dataclass(frozen=True, slots=True)
class Finding:
    """One way the bots' books and the venue disagree, with a few examples."""

    what: str
    count: int
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RehearsalReport:
    faults: Mapping[str, int]
    warnings: Mapping[str, int]  # by logger: what the run logged at WARNING or above
    venue_orders: int
    venue_trades: int
    unbooked: Mapping[str, int]  # non-trade executions on the venue (funding...), by execType
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    unknown: tuple[str, ...] = ()
    """Orders whose create's answer was lost and that the venue does not have, still being
    asked for when the run ended: unknown to the bots, not a disagreement (a look-up only
    closes one as never received once the create can no longer be on its way)."""

    @property
    def passed(self) -> bool:
        return not self.findings


def reconcile(
    venue_orders: Sequence[OrderRecord],
    venue_executions: Sequence[ExecutionRecord],
    our_orders: Sequence[Order],
    our_fills: Sequence[Fill],
    bot_states: Mapping[str, BotState],
    unsure: Collection[str] = (),
) -> list[Finding]:
    """Every disagreement between the venue and the journal (empty: none). An order in
    `unsure` (fate unknown to its bot) the venue does not have is none: see `unknown_fate`."""
    findings: list[Finding] = []
    links = Counter(o.order_link_id for o in venue_orders)
    _add(findings, "orders that reached the venue twice", [k for k, n in links.items() if n > 1])
    ours = {o.client_order_id: o for o in our_orders}
    _add(findings, "venue orders the bots do not know", [k for k in links if k not in ours])
    differ = [
        f"{o.order_link_id}: venue {o.status}, bot {ours[o.order_link_id].status.value}"
        for o in venue_orders
        if o.order_link_id in ours and ours[o.order_link_id].status.value != o.status
    ]
    _add(findings, "orders in another state than on the venue", differ)
    unsent = [
        f"{coid}: {o.status.value}"
        for coid, o in ours.items()
        if coid not in links and o.status is not OrderStatus.REJECTED and coid not in unsure
    ]
    _add(findings, "orders the bots hold that the venue never had", unsent)
    trades = {e.exec_id for e in venue_executions if e.exec_type == "Trade"}
    booked = Counter(f.fill_id for f in our_fills)
    _add(findings, "venue trades not booked", sorted(trades - set(booked)))
    _add(findings, "fills booked that the venue never executed", sorted(set(booked) - trades))
    _add(findings, "fills booked twice", [k for k, n in booked.items() if n > 1])
    halted = [f"{bot}: {state.value}" for bot, state in bot_states.items()
              if state is BotState.EMERGENCY]  # fmt: skip
    _add(findings, "bots halted", halted)
    return findings


def unknown_fate(venue_orders: Sequence[OrderRecord], unsure: Collection[str]) -> tuple[str, ...]:
    """The orders of unknown fate the venue does not have (reported, not judged)."""
    links = {o.order_link_id for o in venue_orders}
    return tuple(sorted(coid for coid in unsure if coid not in links))


def _add(findings: list[Finding], what: str, items: Sequence[str]) -> None:
    if items:
        findings.append(Finding(what, len(items), tuple(items[:SHOWN])))


def render_report(report: RehearsalReport) -> str:
    faults = ", ".join(f"{k} {n}" for k, n in sorted(report.faults.items())) or "none"
    by_count = sorted(report.warnings.items(), key=lambda item: (-item[1], item[0]))
    warned = ", ".join(f"{k} {n}" for k, n in by_count)
    lines = [
        "Rehearsal on the emulator",
        f"  faults injected  {faults}",
        f"  warnings logged  {warned or 'none'}",
        f"  venue            {report.venue_orders} orders, {report.venue_trades} trades",
    ]
    if report.unknown:
        shown = ", ".join(report.unknown[:SHOWN])
        lines.append(f"  fate unknown     {len(report.unknown)} (a create's answer lost, the "
                     f"venue has none, still asked for at the end: {shown})")  # fmt: skip
    if report.unbooked:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.unbooked.items()))
        lines.append(f"  not trades       {kinds} (executions that are not a bot's trades)")
    if report.passed:
        lines.append("  result           PASSED: the bots' books match the venue")
    else:
        lines.append("  result           FAILED: what broke:")
        for finding in report.findings:
            lines.append(f"    {finding.what}: {finding.count}")
            lines.extend(f"      {example}" for example in finding.examples)
    return "\n".join(lines)


class WarningTally(logging.Handler):
    """Counts the records at WARNING or above by logger name while attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name.removeprefix("traderagent.")] += 1

    def attached(self) -> WarningTally:
        logging.getLogger().addHandler(self)
        return self

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)


def unbooked_kinds(executions: Iterable[ExecutionRecord]) -> Counter[str]:
    return Counter(e.exec_type for e in executions if e.exec_type != "Trade")
