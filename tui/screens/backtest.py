"""The backtest screen (`b`): pick a config, a bot, data and a range; run it apart from the
live engine (a thread worker, its own engine, the journal in memory) with a progress bar;
read the metrics, the price, equity and drawdown charts, the periods, regimes and robustness
(`m`, `c`, `p`, `g`, `r` switch tabs once a run has ended); `e` exports the bot as a preset."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, ProgressBar
from textual.worker import Worker, WorkerState

from traderagent.backtest.analysis import Analysis, analyse
from traderagent.backtest.inputs import BacktestError
from traderagent.backtest.preset import default_preset_path, export_preset
from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import ConfigError
from tui.widgets.backtest_form import BacktestForm, BacktestRequest
from tui.widgets.backtest_output import BacktestOutput, chart_height

PROGRESS_SECONDS = 0.1
DAY_MS = 86_400_000


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
        self.result: BacktestResult | None = None
        self.analysis: Analysis | None = None
        """The last run's periods, regimes and Monte Carlo."""
        self._request: BacktestRequest | None = None  # the form of the run shown (its config)
        self._pending: BacktestRequest | None = None  # the form of the run going on
        self.exported: Path | None = None
        """Where `e` last wrote a preset."""
        self.finished = asyncio.Event()
        """Set once a run has ended and its result or error is on screen."""

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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
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
