"""The contract kit: five checks of one strategy on one run of candles, in order, stopping at
the first failure (which says what happened and how to fix it).

1. config: every field of its config model (and of models nested in it) has a description.
2. purity: the import audit of its source finds no clock, network, file or process access,
   and a run with those forbidden (`guard`) makes no attempt.
3. determinism: a second run, on a fresh load of its file, decides exactly what the first did.
4. look-ahead: runs on the data cut at 1/4, 1/2 and 3/4, each on a new instance of the class
   that already ran the whole data, decide exactly what the whole run decided before each cut.
   The strategy sees only the candles it is given, so a difference means it carries knowledge
   from one run to the next (state in the class or module) or reads data of its own.
5. fills: every fill is managed: a run where each order it cancels fills instead (half of it,
   as a fill crossing the cancel) gives `on_fill` for it and later decisions without raising;
   every intent of every run can be acted on (a positive quantity, a price for a limit or
   stop, no second order under a tag that rests).

6. wake: a strategy that offers the quiet-span hint (`wake()`) decides exactly the same when
   the candles it says cannot wake it are passed over, as a fast-forwarded replay does.

A strategy that raises in any run fails with where it raised. Every run is guarded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from strategies.base import Strategy
from traderagent.domain import Candle, Instrument
from traderagent.plugins.check.audit import Finding, audit_file
from traderagent.plugins.check.differences import first_difference, when
from traderagent.plugins.check.guard import Forbidden, Guard
from traderagent.plugins.check.harness import (
    Run,
    StrategyRaised,
    prime_count,
    replay,
)
from traderagent.plugins.check.subject import Subject, modules_of, source_of
from traderagent.plugins.spec import StrategyPlugin, undocumented_fields

CUTS = (0.25, 0.5, 0.75)


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    passed: bool
    detail: str
    """What was measured (passed) or what went wrong (failed)."""
    fix: str = ""


class _Failed(Exception):  # noqa: N818 - internal: carries the failing result up
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.detail)
        self.result = result


def run_checks(
    subject: Subject, candles: Sequence[Candle], instrument: Instrument
) -> list[CheckResult]:
    """The results of the checks passed so far, the last one failed if any failed."""
    kit = _Kit(subject, candles, instrument)
    results: list[CheckResult] = []
    for step in (kit.config, kit.purity, kit.determinism, kit.lookahead, kit.fills, kit.wake):
        try:
            results.append(step())
        except _Failed as failed:
            results.append(failed.result)
            break
    return results


class _Kit:
    def __init__(self, subject: Subject, candles: Sequence[Candle], instrument: Instrument):
        self.subject, self.candles, self.instrument = subject, candles, instrument
        self.primed = prime_count(len(candles))  # the same in every run, cut or whole
        self.resume_at = len(candles) // 3
        self.findings: list[Finding] = []
        self.first = self.second = Run()  # the whole runs of purity and determinism
        self.reference = subject.plugin  # the load that ran the second whole run

    def config(self) -> CheckResult:
        model = self.subject.plugin.config
        bare = undocumented_fields(model)
        if bare:
            raise _Failed(
                CheckResult(
                    "config",
                    False,
                    f"{model.__name__} fields without a description: {', '.join(bare)}",
                    "give each field a docstring below it (model_config = ConfigDict("
                    "use_attribute_docstrings=True)) or Field(description=...): it is the "
                    "help text of the setting",
                )
            )
        count = len(model.model_fields)
        return CheckResult("config", True, f"{count} field{'s' * (count != 1)}, all described")

    def purity(self) -> CheckResult:
        strategy = self._new(self.subject.load(fresh=True))
        modules = modules_of(strategy)
        source = source_of(strategy)
        self.findings = audit_file(source) if source is not None else []
        errors = [f for f in self.findings if f.error]
        if errors:
            raise _Failed(
                CheckResult(
                    "purity",
                    False,
                    f"{source.name if source else 'source'} {errors[0]}"
                    + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                    "a strategy decides from what it is given (candles, fills, ctx.ts for "
                    "the time): remove the import or call",
                )
            )
        self.first = self._run("purity", strategy, modules)
        audited = f"audit of {source.name}" if source is not None else "no source to audit"
        return CheckResult(
            "purity",
            True,
            f"{audited} clean; {len(self.candles):,} candles with clock, network and files "
            f"forbidden: no attempt ({len(self.first.decisions):,} decisions)",
        )

    def determinism(self) -> CheckResult:
        self.reference = self.subject.load(fresh=True)
        strategy = self._new(self.reference)
        self.second = self._run("determinism", strategy, modules_of(strategy))
        diff = first_difference(self.first.decisions, self.second.decisions, self.candles)
        if diff:
            notes = [str(f) for f in self.findings if not f.error]
            cause = f" The audit notes {notes[0]}." if notes else ""
            raise _Failed(
                CheckResult(
                    "determinism",
                    False,
                    f"the same candles twice gave different decisions: {diff}",
                    "decide only from the candles, fills and ctx you are given; draw random "
                    "numbers from random.Random(seed) with the seed in the config; do not "
                    f"iterate over sets of objects whose order can change.{cause}",
                )
            )
        return CheckResult(
            "determinism", True, f"two runs, {len(self.first.decisions):,} identical decisions"
        )

    def lookahead(self) -> CheckResult:
        whole = self.second.decisions
        for share in CUTS:
            cut = int(len(self.candles) * share)
            strategy = self._new(self.reference)
            run = self._run("look-ahead", strategy, modules_of(strategy), self.candles[:cut])
            before = [d for d in whole if d.step < cut]
            cut_run = [d for d in run.decisions if d.step < cut]
            names = ("the whole run", "the cut run")
            diff = first_difference(before, cut_run, self.candles, names)
            if diff:
                raise _Failed(
                    CheckResult(
                        "look-ahead",
                        False,
                        f"cut at candle #{cut} ({when(self.candles, cut)}), the run decided "
                        f"otherwise before the cut: {diff}",
                        "the strategy knew something of candles after the cut: keep every "
                        "piece of state on the instance (not in a class attribute, a module "
                        "global or a cache shared by instances) and read no data of your own",
                    )
                )
        cuts = ", ".join(f"#{int(len(self.candles) * s):,}" for s in CUTS)
        return CheckResult("look-ahead", True, f"runs cut at {cuts} agree with the whole run")

    def fills(self) -> CheckResult:
        strategy = self._new(self.reference)
        run = self._run("fills", strategy, modules_of(strategy), late_fills=True)
        if not run.late_fills:
            detail = "it cancelled no order on this data: no late fill to replay"
        else:
            detail = f"{run.late_fills:,} fills of cancelled orders managed, {run.fills:,} in all"
        return CheckResult("fills", True, detail)

    def wake(self) -> CheckResult:
        strategy = self._new(self.reference)
        if not callable(getattr(strategy, "wake", None)):
            return CheckResult("wake", True, "no wake(): every candle is stepped")
        run = self._run("wake", strategy, modules_of(strategy), honour_wake=True)
        names = ("stepping every candle", "passing over the quiet ones")
        diff = first_difference(self.second.decisions, run.decisions, self.candles, names)
        if diff:
            raise _Failed(
                CheckResult(
                    "wake",
                    False,
                    f"passing over the candles its wake() let pass changed its decisions: {diff}",
                    "wake() must wake on every candle that could make on_candle decide (its "
                    "price levels, its bar closes); what on_candle updates on a quiet candle "
                    "goes in absorb() with candles=True",
                )
            )
        stepped = f"{run.stepped:,} of {len(self.candles):,} candles stepped"
        return CheckResult("wake", True, f"{stepped}, the same decisions as stepping all")

    # -- runs --------------------------------------------------------------------------------

    def _new(self, plugin: StrategyPlugin) -> Strategy:
        try:
            return self.subject.build(plugin, self.instrument)
        except Exception as err:  # the strategy's constructor: where it raised, as a failure
            raised = StrategyRaised(0, "building it", err)
            raise _Failed(_crashed("build", raised, self.candles)) from None

    def _run(
        self,
        check: str,
        strategy: Strategy,
        modules: list[ModuleType],
        candles: Sequence[Candle] | None = None,
        *,
        late_fills: bool = False,
        honour_wake: bool = False,
    ) -> Run:
        guard = Guard(modules)
        try:
            with guard:
                run = replay(
                    strategy,
                    self.candles if candles is None else candles,
                    self.instrument,
                    primed=self.primed,
                    resume_at=self.resume_at,
                    late_fills=late_fills,
                    honour_wake=honour_wake,
                )
        except StrategyRaised as raised:
            if guard.attempts or isinstance(raised.error, Forbidden):
                raise _Failed(_impure(guard.attempts or [str(raised.error)])) from None
            raise _Failed(_crashed(check, raised, self.candles)) from None
        if guard.attempts:
            raise _Failed(_impure(guard.attempts))
        if run.problems:
            raise _Failed(
                CheckResult(
                    "intents",
                    False,
                    f"the engine could not act on what it returned: {run.problems[0]}"
                    + (f" (and {len(run.problems) - 1} more)" if len(run.problems) > 1 else ""),
                    "return a list of PlaceOrder/CancelOrder/CancelAll: a positive quantity, "
                    "a price for a limit or stop, a tag not resting already; describe() "
                    "returns one line",
                )
            )
        return run


def _impure(attempts: list[str]) -> CheckResult:
    return CheckResult(
        "purity",
        False,
        f"during the run it tried {attempts[0]}"
        + (f" (and {len(attempts) - 1} more)" if len(attempts) > 1 else ""),
        "a strategy reads no clock (use ctx.ts), opens no file or connection: everything it "
        "needs comes in its config, the candles, its fills and ctx",
    )


def _crashed(check: str, raised: StrategyRaised, candles: Sequence[Candle]) -> CheckResult:
    from traderagent.engine.health import describe

    late = raised.event.startswith("late fill")
    if late:
        return CheckResult(
            "fills",
            False,
            f"on_fill of an order it had cancelled ({raised.event}, candle #{raised.step}, "
            f"{when(candles, raised.step)}) raised {describe(raised.error)}",
            "a fill can cross a cancel: on_fill must accept a fill of any order it placed, "
            "cancelled or not (order.status says which), and keep its position right",
        )
    if check == "fills":  # it ran well until fills of cancelled orders came
        return CheckResult(
            "fills",
            False,
            f"after fills of orders it had cancelled, {raised.event} at candle #{raised.step} "
            f"({when(candles, raised.step)}) raised {describe(raised.error)}",
            "a fill can cross a cancel: count every fill of every order you placed into your "
            "state (or decide from ctx.position_qty and ctx.live_tags)",
        )
    return CheckResult(
        "raises",
        False,
        f"{raised.event} at candle #{raised.step} ({when(candles, raised.step)}) raised "
        f"{describe(raised.error)}",
        "fix the error: in the engine a strategy that raises sets its bot aside, and the third "
        "time within an hour halts it",
    )
