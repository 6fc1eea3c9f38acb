"""The backtest screen (`b`): pick a config and a date range, replay it apart from the live
engine (a thread worker, its own engine and temporary database), watch the progress, read the
result and its equity chart."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from traderagent.config import AppConfig, ConfigError, load_config
from traderagent.runtime import StartupError
from tui.backtest_run import BacktestResult, parse_day, run_backtest
from tui.render_backtest import result_text
from tui.render_chart import equity_chart

PROGRESS_SECONDS = 0.1


class BacktestScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="backtest_close"),
        Binding("ctrl+r", "run", "Run", id="backtest_run"),
    ]

    def __init__(self, config_path: Path | None, start: str = "", end: str = "") -> None:
        super().__init__()
        self._config_path = config_path
        self._start, self._end = start, end
        self._progress = 0.0
        self._cancel = False
        self.result: BacktestResult | None = None
        self.finished = asyncio.Event()
        """Set once a run has ended and its result or error is on screen."""

    def compose(self) -> ComposeResult:
        yield Label("Backtest: the same engine at speed max on a temporary database", id="bt-title")
        with Horizontal(classes="bt-row"):
            yield Label("Config", classes="bt-label")
            yield Input(
                str(self._config_path or ""), placeholder="built-in default", id="bt-config"
            )
        with Horizontal(classes="bt-row"):
            yield Label("From", classes="bt-label")
            yield Input(self._start, placeholder="data start", id="bt-start")
            yield Label("To", classes="bt-label")
            yield Input(self._end, placeholder="data end", id="bt-end")
            yield Button("Run", variant="primary", id="bt-run")
        yield ProgressBar(total=100, show_eta=False, id="bt-progress")
        with VerticalScroll(id="bt-output"):
            yield Static("Enter runs the backtest; escape goes back.", id="bt-result")
            yield Static("", id="bt-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(PROGRESS_SECONDS, self._show_progress)

    def on_unmount(self) -> None:
        self._cancel = True  # a run still going stops at its next candle

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_run(self) -> None:
        path_text = self.query_one("#bt-config", Input).value.strip()
        try:
            config = load_config(Path(path_text).expanduser() if path_text else None)
            start = parse_day(self.query_one("#bt-start", Input).value, "From")
            end = parse_day(self.query_one("#bt-end", Input).value, "To")
        except ConfigError as err:
            self._say(f"✗ {err}", "bold red")
            return
        self.finished.clear()
        self._progress = 0.0
        self._say("running…", "")
        self.query_one("#bt-chart", Static).update("")
        self._replay(config, start, end)

    @work(thread=True, exclusive=True, group="backtest", exit_on_error=False)
    def _replay(
        self, config: AppConfig, start: datetime | None, end: datetime | None
    ) -> BacktestResult:
        return asyncio.run(
            run_backtest(config, start, end, self._set_progress, lambda: self._cancel)
        )

    def _set_progress(self, share: float) -> None:
        self._progress = share  # from the worker thread: a float store, read by the timer

    def _show_progress(self) -> None:
        self.query_one("#bt-progress", ProgressBar).update(progress=self._progress * 100)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "backtest":
            return
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, BacktestResult)  # noqa: S101 - _replay returns one
            self._show_result(result)
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            known = isinstance(err, ConfigError | StartupError)
            message = str(err) if known else f"{type(err).__name__}: {err}"
            self._say(f"✗ backtest failed: {message}", "bold red")
            self.finished.set()

    def _show_result(self, result: BacktestResult) -> None:
        self.result = result
        self._progress = 1.0
        self._show_progress()
        self.query_one("#bt-result", Static).update(result_text(result))
        chart = self.query_one("#bt-chart", Static)
        output = self.query_one("#bt-output", VerticalScroll)
        # the screen's width, not the output's: its scrollbar comes and goes with the text
        chart.update(equity_chart(result.equity, max(self.size.width - 6, 30), 12))
        output.focus()  # arrows now scroll the result; no input cursor blinking over it
        self.finished.set()

    def _say(self, message: str, style: str) -> None:
        self.query_one("#bt-result", Static).update(
            message if not style else f"[{style}]{message}[/]"
        )
