"""Evaluate batches of points: in this process, or in worker processes.

`ProcessPool` starts its workers with the `forkserver` context where the platform has it
(else `spawn`), never `fork` (a forked copy of a process holding threads or an event loop is
unsafe). Each worker builds one `TrialEvaluator`, so it loads the candles once and then runs
every point it is sent. Results come back in the order the points were sent, so a search
with the same settings is reproducible; the grid search even evaluates the same points
whatever the number of workers (an Optuna sampler asks for a batch per round, so its points
depend on the batch size).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Protocol

from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
from traderagent.optimize.space import Point
from traderagent.optimize.trials import Outcome

PRELOAD = [
    "traderagent.optimize.pool",
    "traderagent.backtest.runner",
    "traderagent.backtest.kernels",
]
"""Imported once by the forkserver, so every worker starts with them loaded."""
_WORKER: TrialEvaluator | None = None
"""The evaluator of this worker process (built once by `_start_worker`)."""


class BatchEvaluator(Protocol):
    """Evaluates points, several at once when it has workers; results in the order given."""

    @property
    def batch_size(self) -> int: ...

    def __call__(self, points: Sequence[Point]) -> list[Outcome]: ...


class InProcess:
    """Points evaluated one after another in this process."""

    def __init__(self, evaluator: TrialEvaluator) -> None:
        self.evaluator = evaluator

    @property
    def batch_size(self) -> int:
        return 1

    def __call__(self, points: Sequence[Point]) -> list[Outcome]:
        return [self.evaluator.evaluate(p) for p in points]


class ProcessPool:
    """Points evaluated by `workers` processes, each with its own `TrialEvaluator`."""

    def __init__(self, setup: EvaluationSetup, workers: int) -> None:
        context = _context()
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(setup,)
        )

    @property
    def batch_size(self) -> int:
        return self.workers

    def __call__(self, points: Sequence[Point]) -> list[Outcome]:
        return list(self._pool.map(_evaluate, points))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _context() -> multiprocessing.context.BaseContext:
    """forkserver with the backtest modules preloaded (workers fork from a warm server, no
    re-import per worker), or spawn where the platform has no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _start_worker(setup: EvaluationSetup) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the search in the main process
    _WORKER = TrialEvaluator(setup)


def _evaluate(point: Point) -> Outcome:
    if _WORKER is None:
        raise RuntimeError("the worker process was not initialised with an evaluation setup")
    return _WORKER.evaluate(point)
