"""The daemon's backtest jobs: submit, watch, read the result, cancel.

A job replays on its own thread and event loop (its own engine on an in-memory journal), so
neither the live engine nor the API waits for it. What runs it is a `BacktestRunner`: by default
`ReplayRunner`, which is `traderagent.backtest.runner` (the same runner, metrics and equity
curve as `traderagent backtest` and the TUI's backtest screen); tests pass another one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from traderagent.config import AppConfig, ConfigError
from traderagent.facade import CommandError, RunSummary

KEPT_JOBS = 20
MAX_RUNNING = 1
JobStatus = Literal["running", "done", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    """A finished backtest: its summary, its equity points (engine ms, equity), its data and
    its metrics (`traderagent.backtest.metrics.Metrics.as_json()`)."""

    summary: RunSummary
    equity: tuple[tuple[int, Decimal], ...]
    period: str
    metrics: dict[str, Any] = field(default_factory=dict)


class BacktestRunner(Protocol):
    """What runs a job: the default `ReplayRunner`, or `traderagent.backtest` later."""

    def check(self, config: AppConfig, start: datetime | None, end: datetime | None) -> None:
        """Raise ConfigError when this config and range cannot be backtested."""
        ...

    async def run(
        self,
        config: AppConfig,
        start: datetime | None,
        end: datetime | None,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> BacktestOutcome: ...


class ReplayRunner:
    """`traderagent.backtest.runner` on a worker thread: the engine at full speed on the paper
    venue, over the config's data and the asked range."""

    def check(self, config: AppConfig, start: datetime | None, end: datetime | None) -> None:
        """The config, the range and the data: a missing file or a range the data does not
        cover is refused at once (422), not found out by a job that then fails."""
        from traderagent.backtest.inputs import (
            BacktestError,
            backtest_config,
            load_series,
            replay_window,
        )

        try:
            run_config = backtest_config(config, start=start, end=end)
            candles, label = load_series(run_config.replay.data, run_config.replay.symbol)
            replay_window(run_config, candles, label)
        except BacktestError as err:
            raise ConfigError(str(err)) from None

    async def run(
        self,
        config: AppConfig,
        start: datetime | None,
        end: datetime | None,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> BacktestOutcome:
        from traderagent.backtest.inputs import BacktestError
        from traderagent.backtest.runner import run_backtest_sync

        try:
            result = await asyncio.to_thread(
                run_backtest_sync,
                config,
                start=start,
                end=end,
                progress=progress,
                cancelled=cancelled,
            )
        except BacktestError as err:
            raise ConfigError(str(err)) from None
        assert result.summary is not None  # noqa: S101 - an engine run always has one
        curve = result.equity
        every = max(config.equity_interval_minutes * 60_000 // result.candles.interval_ms, 1)
        points = [
            (int(curve.close_ts[i]), Decimal(repr(float(curve.values[i]))))
            for i in range(every - 1, len(curve) - 1, every)
        ]
        if len(curve):
            points.append((int(curve.close_ts[-1]), curve.final))
        return BacktestOutcome(
            result.summary, tuple(points), result.data_label, result.metrics.as_json()
        )


@dataclass
class Job:
    """One submitted backtest; `progress` is written from the job's thread."""

    id: str
    submitted_ms: int
    progress: float = 0.0
    status: JobStatus = "running"
    error: str = ""
    finished_ms: int | None = None
    outcome: BacktestOutcome | None = None
    cancel_requested: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class BacktestJobs:
    """Jobs by id, newest last; at most MAX_RUNNING at once and KEPT_JOBS remembered."""

    def __init__(self, runner: BacktestRunner | None = None) -> None:
        self.runner: BacktestRunner = runner or ReplayRunner()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._ids = itertools.count(1)

    async def submit(self, config: AppConfig, start: datetime | None, end: datetime | None) -> Job:
        """Start a job (ConfigError: the config cannot be backtested; CommandError: busy).
        The check reads the data on a worker thread: the live engine's loop never waits."""
        await asyncio.to_thread(self.runner.check, config, start, end)
        running = [job.id for job in self.jobs.values() if job.status == "running"]
        if len(running) >= MAX_RUNNING:
            raise CommandError(f"backtest {running[0]} is still running: wait, or cancel it")
        job = Job(f"bt-{next(self._ids)}", _now_ms())
        job.task = asyncio.create_task(self._run(job, config, start, end), name=job.id)
        self.jobs[job.id] = job
        while len(self.jobs) > KEPT_JOBS:
            oldest = next(iter(self.jobs.values()))
            if oldest.status == "running":
                break
            self.jobs.popitem(last=False)
        return job

    def cancel(self, job: Job) -> None:
        job.cancel_requested = True

    async def close(self) -> None:
        """Stop every running job at its next candle and wait for it."""
        tasks = [job.task for job in self.jobs.values() if job.task is not None]
        for job in self.jobs.values():
            job.cancel_requested = True
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(
        self, job: Job, config: AppConfig, start: datetime | None, end: datetime | None
    ) -> None:
        def progress(share: float) -> None:
            job.progress = share  # from the job's thread: one float store

        try:
            job.outcome = await self.runner.run(
                config, start, end, progress, lambda: job.cancel_requested
            )
            job.status = "cancelled" if job.cancel_requested else "done"
            if job.status == "done":
                job.progress = 1.0
        except Exception as err:  # a failed job reports why; the daemon carries on
            job.status, job.error = "failed", f"{type(err).__name__}: {err}"
        finally:
            job.finished_ms = _now_ms()


def _now_ms() -> int:
    return int(time.time() * 1000)
