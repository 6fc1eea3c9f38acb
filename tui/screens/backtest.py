"""The backtest screen (`b`): pick a config, a bot, data and a range; run it apart from the
live engine (a thread worker, its own engine, the journal in memory) with a progress bar;
read the metrics, the price, equity and drawdown charts, the periods, regimes and robustness
(`m`, `c`, `p`, `g`, `r` switch tabs once a run has ended); `t` asks how many perturbed candle
paths to run the config on, `s` which configs to run side by side with it (both on the same
code as `traderagent backtest --perturb N` and `--config A --config B`); `e` exports the bot
as a preset."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, ProgressBar
from textual.worker import Worker, WorkerState

from traderagent.backtest.analysis import Analysis, analyse
from traderagent.backtest.analysis_text import perturbation_lines
from traderagent.backtest.compare import (
    comparison_chart,
    comparison_rows,
    comparison_table,
    names_of,
)
from traderagent.backtest.inputs import BacktestError
from traderagent.backtest.montecarlo import DEFAULT_SEED as MC_SEED
from traderagent.backtest.perturb import Perturbation
from traderagent.backtest.perturb_run import perturb_backtest
from traderagent.backtest.preset import default_preset_path, export_preset
from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import ConfigError, load_config
from tui.widgets.backtest_form import BacktestForm, BacktestRequest
from tui.widgets.backtest_output import ASKS, BacktestOutput, chart_height

PERTURB_INPUT, COMPARE_INPUT = ASKS["perturbed"][0], ASKS["compare"][0]
EXTRA_TABS = {"backtest-perturbed": "bt-perturb", "backtest-compare": "bt-compare"}
"""The workers that fill a tab on request: their group, the tab's Static."""
MAX_PERTURBED = 100
PERTURB_SEED = MC_SEED
"""The CLI's `--seed` default, which seeds its `--perturb` too: the same paths, the same
figures in both."""
NEED_A_RUN = "✗ run a backtest to the end first (ctrl+r): this starts from its config and data"
PROGRESS_SECONDS = 0.1
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Comparison:
    """The shown run and the configs run next to it on its data: the CLI's comparison's
    inputs (`backtest.compare`)."""

    names: list[str]
    results: list[BacktestResult]
    analyses: list[Analysis]


@dataclass(frozen=True, slots=True)
class BacktestRun:
    """What the worker hands back: the result and its analysis (computed off the UI)."""

    result: BacktestResult
    analysis: Analysis


def period_for(result: BacktestResult) -> str:
    """The breakdown that gives a readable number of rows: days up to two weeks, weeks up to
    four months, months beyond."""
    span = len(result.candles) * result.candles.interval_ms
    return "day" if span <= 14 * DAY_MS else "week" if span <= 120 * DAY_MS else "month"


TITLE = "Backtest: the engine's own code on the paper exchange, in memory"


class BacktestScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="backtest_close"),
        Binding("ctrl+r", "run", "Run", id="backtest_run"),
        Binding("e", "export", "Export preset", id="backtest_export"),
        Binding("m", "tab('metrics')", "Metrics", id="backtest_metrics"),
        Binding("c", "tab('charts')", "Charts", id="backtest_charts"),
        Binding("p", "tab('periods')", "Periods", show=False, id="backtest_periods"),
        Binding("g", "tab('regimes')", "Regimes", show=False, id="backtest_regimes"),
        Binding("r", "tab('robustness')", "Robustness", show=False, id="backtest_robustness"),
        Binding("t", "ask('perturbed')", "Perturbed", show=False, id="backtest_perturbed"),
        Binding("s", "ask('compare')", "Side by side", show=False, id="backtest_compare"),
    ]

    def __init__(
        self,
        config_path: Path | None,
        start: str = "",
        end: str = "",
        *,
        show_elapsed: bool = True,
        presets_dir: Path | None = None,
        title: str = TITLE,
    ) -> None:
        super().__init__()
        self._title = title
        self._config_path = config_path
        self._start, self._end = start, end
        self._show_elapsed = show_elapsed
        """False leaves wall-clock timings off the screen (reproducible screenshots)."""
        self._presets_dir = presets_dir
        self._progress = 0.0
        self._run_stop = [False]  # the flag the run going on polls; replaced for each run
        self._extra_stop = [False]  # the same for the perturbed runs or comparison going on
        self.result: BacktestResult | None = None
        self.analysis: Analysis | None = None
        """The last run's periods, regimes and Monte Carlo."""
        self._request: BacktestRequest | None = None  # the form of the run shown (its config)
        self._pending: BacktestRequest | None = None  # the form of the run going on
        self.exported: Path | None = None
        """Where `e` last wrote a preset."""
        self.finished = asyncio.Event()
        """Set once a run has ended and its result or error is on screen."""
        self.extra_finished = asyncio.Event()
        """Set once perturbed runs or a comparison have ended and are on screen."""
        self.comparison: Comparison | None = None
        """The last side-by-side comparison shown."""

    def compose(self) -> ComposeResult:
        yield Label(self._title, id="bt-title")
        yield BacktestForm(self._config_path, self._start, self._end)
        yield ProgressBar(total=100, show_eta=False, id="bt-progress")
        yield BacktestOutput(id="bt-output")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(PROGRESS_SECONDS, self._show_progress)

    def on_unmount(self) -> None:
        self._stop_run()

    def _stop_run(self) -> None:
        self._run_stop[0] = True
        self._run_stop = [False]
        self._stop_extra()

    def _stop_extra(self) -> None:
        """Stop perturbed runs or a comparison still going (superseded, or the screen left)."""
        self._extra_stop[0] = True
        self._extra_stop = [False]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == PERTURB_INPUT:
            self._perturb(event.value)
        elif event.input.id == COMPARE_INPUT:
            self._compare(event.value)
        else:
            self.action_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_run(self) -> None:
        try:
            request = self.query_one(BacktestForm).request()
        except (ConfigError, BacktestError) as err:
            self._output.say(f"✗ {err}", "bold red")
            return
        self.finished.clear()
        self._stop_run()  # a run still going is superseded: it stops within PROGRESS_EVERY_S
        self._pending = request
        self._progress = 0.0
        self._output.say("running…")
        self._replay(request, self._run_stop)

    def action_export(self) -> None:
        """Write the last run's bot as a preset file and say where."""
        result = self.result
        if result is None:
            self.notify("Run a backtest first: the preset is the bot it ran.", severity="warning")
            return
        if len(result.config.bots) != 1:
            self.notify("A preset holds one bot: choose one in Bot and run again.", timeout=8)
            return
        name = result.config.bots[0].name
        source = self._request.config if self._request is not None else result.config
        try:
            path = default_preset_path(name, self._presets_dir)
            self.exported = export_preset(source, name, path)
        except (ConfigError, OSError) as err:
            self.notify(f"Preset not written: {err}", severity="error", timeout=15)
            return
        self.notify(f"Preset of {name} written to {self.exported}", timeout=15)

    def action_tab(self, suffix: str) -> None:
        """Show one of the output's tabs (metrics, charts, periods, regimes, robustness)."""
        self._output.show_tab(suffix)

    def action_ask(self, suffix: str) -> None:
        """Show the Perturbed or Side by side tab with its Input focused."""
        self._output.show_tab(suffix, ask=True)

    def _perturb(self, text: str) -> None:
        """Backtest the shown run's config on `text` perturbed candle paths (off the UI)."""
        result = self.result
        if result is None or result.cancelled:
            self._output.show_text("bt-perturb", Text(NEED_A_RUN, style="bold red"))
            return
        try:
            runs = int(text.strip())
        except ValueError:
            runs = 0
        if not 1 <= runs <= MAX_PERTURBED:
            message = f"✗ runs: a whole number from 1 to {MAX_PERTURBED}, not {text.strip()!r}"
            self._output.show_text("bt-perturb", Text(message, style="bold red"))
            return
        self.extra_finished.clear()
        self._output.show_text(
            "bt-perturb", f"running {runs} backtests on perturbed candles (seed {PERTURB_SEED})…"
        )
        self._stop_extra()
        self._perturbed(result, runs, self._extra_stop)

    @work(thread=True, exclusive=True, group="backtest-perturbed", exit_on_error=False)
    def _perturbed(
        self, result: BacktestResult, runs: int, stop: list[bool]
    ) -> Perturbation | None:
        """The perturbed runs; None when stopped (superseded: nothing to show)."""
        done = perturb_backtest(result, runs, PERTURB_SEED, cancelled=lambda: stop[0])
        return None if stop[0] else done

    def _compare(self, text: str) -> None:
        """Run the configs `text` names on the shown run's data and range (off the UI)."""
        result, analysis, request = self.result, self.analysis, self._request
        if result is None or analysis is None or request is None or result.cancelled:
            self._output.show_text("bt-compare", Text(NEED_A_RUN, style="bold red"))
            return
        paths = [Path(word).expanduser() for word in text.split()]
        if not paths:
            message = "✗ type one or more config files (space-separated), then Enter"
            self._output.show_text("bt-compare", Text(message, style="bold red"))
            return
        self.extra_finished.clear()
        self._output.show_text("bt-compare", f"running {len(paths)} more backtests…")
        self._stop_extra()
        self._compared(request, result, analysis, paths, self._extra_stop)

    @work(thread=True, exclusive=True, group="backtest-compare", exit_on_error=False)
    def _compared(
        self,
        request: BacktestRequest,
        result: BacktestResult,
        analysis: Analysis,
        paths: list[Path],
        stop: list[bool],
    ) -> Comparison | None:
        """The comparison; None when stopped (superseded: nothing to show)."""
        names = names_of([request.path, *paths])
        results, analyses = [result], [analysis]
        # a bot chosen among several is asked of every config; the only bot is not a choice
        bot = request.bot if len(request.config.bots) > 1 else None
        # the shown run's range as it ran (the form's, else its config's), not each config's
        start = request.start or result.config.replay.start
        end = request.end or result.config.replay.end
        for path in paths:
            if stop[0]:
                break
            config = load_config(path)
            replay = config.replay.model_copy(update={"data": request.config.replay.data})
            config = config.model_copy(update={"replay": replay})
            other = asyncio.run(
                run_backtest(
                    config,
                    bot=bot,
                    start=start,
                    end=end,
                    cancelled=lambda: stop[0],
                )
            )
            results.append(other)
            analyses.append(analyse(other, period=period_for(other)))
        return None if stop[0] else Comparison(names, results, analyses)

    @work(thread=True, exclusive=True, group="backtest", exit_on_error=False)
    def _replay(self, request: BacktestRequest, stop: list[bool]) -> BacktestRun:
        result = asyncio.run(
            run_backtest(
                request.config,
                bot=request.bot,
                start=request.start,
                end=request.end,
                progress=self._set_progress,
                cancelled=lambda: stop[0],
            )
        )
        return BacktestRun(result, analyse(result, period=period_for(result)))

    def _set_progress(self, share: float) -> None:
        self._progress = share  # from the worker thread: a float store, read by the timer

    def _show_progress(self) -> None:
        self.query_one("#bt-progress", ProgressBar).update(progress=self._progress * 100)

    @property
    def _output(self) -> BacktestOutput:
        return self.query_one(BacktestOutput)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in EXTRA_TABS:
            self._extra_done(event)
            return
        if event.worker.group != "backtest":
            return
        if event.state is WorkerState.SUCCESS:
            run = event.worker.result
            assert isinstance(run, BacktestRun)  # noqa: S101 - _replay returns one
            self._show_result(run)
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            known = isinstance(err, ConfigError | BacktestError)
            message = str(err) if known else f"{type(err).__name__}: {err}"
            self._output.say(f"✗ backtest failed: {message}", "bold red")
            self.finished.set()

    def _extra_done(self, event: Worker.StateChanged) -> None:
        """A perturbation or comparison ended: show it (or why it failed) in its tab."""
        static = EXTRA_TABS[event.worker.group]
        if event.state is WorkerState.SUCCESS:
            done = event.worker.result
            if done is None:
                return  # stopped by a new run or a new request: its own text is on screen
            if isinstance(done, Comparison):
                self._show_comparison(done)
            elif isinstance(done, Perturbation) and self.analysis is not None:
                self.analysis = replace(self.analysis, perturbation=done)
                self._output.show_text(static, "\n".join(perturbation_lines(done)))
            self._output.focus_tab()  # arrows now scroll the result (the Input keeps its text)
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            known = isinstance(err, ConfigError | BacktestError)
            message = str(err) if known else f"{type(err).__name__}: {err}"
            # the Input keeps the focus: correct it, Enter again
            self._output.show_text(static, Text(f"✗ failed: {message}", style="bold red"))
        else:
            return
        self.extra_finished.set()

    def _show_comparison(self, done: Comparison) -> None:
        """The comparison table, then the equity curves on one chart, under the data's name."""
        self.comparison = done
        table = comparison_table(done.names, comparison_rows(done.results, done.analyses))
        chart = comparison_chart(
            done.names,
            done.results,
            max(self.size.width - 6, 30),
            chart_height(self.size.height),
        )
        text = Text(f"Side by side on {done.results[0].data_label}\n{table}\n\n")
        text.append_text(Text.from_ansi(chart))
        self._output.show_text("bt-compare", text)

    def _show_result(self, run: BacktestRun) -> None:
        result = run.result
        self.result, self.analysis, self._request = result, run.analysis, self._pending
        self._progress = 1.0
        self._show_progress()
        # the screen's width, not the output's: its scrollbar comes and goes with the text
        self._output.show(
            result,
            run.analysis,
            max(self.size.width - 6, 30),
            chart_height(self.size.height),
            show_elapsed=self._show_elapsed,
        )
        self._output.focus_tab()  # arrows now scroll the result; `e` exports, `c` charts
        self.finished.set()
