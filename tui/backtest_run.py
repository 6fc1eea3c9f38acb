"""The backtest screen's one data path: a config and a date range in, a result out.

It runs the same engine code as the live console, on the paper venue at `speed: max`, in a
separate engine instance on a temporary SQLite database that is deleted afterwards: never the
live engine or its database. A backtest module with richer metrics can replace this function.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from traderagent.config import AppConfig, ConfigError, StorageConfig
from traderagent.domain.events import CandleClosed, EquityUpdated
from traderagent.facade import RunSummary
from traderagent.runtime import build_engine


@dataclass(frozen=True, slots=True)
class BacktestResult:
    summary: RunSummary
    equity: tuple[tuple[int, Decimal], ...]
    """(engine time, equity) at each stored equity point."""
    period: str
    """What was replayed, e.g. `bundled BTCUSDT 1m`."""


def parse_day(text: str, field: str) -> datetime | None:
    """`2023-03-01` or `2023-03-01T06:00` as UTC; '' means the edge of the data."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{field}: {text!r} is not a date (write 2023-03-01)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def backtest_config(config: AppConfig, start: datetime | None, end: datetime | None) -> AppConfig:
    """`config` replayed as fast as possible from `start` to `end`, on no stored database."""
    if config.mode != "paper":
        raise ConfigError(
            f"backtests replay candles on the paper venue; this config trades "
            f"{config.exchange.venue} live: pick a paper config"
        )
    if start is not None and end is not None and end <= start:
        raise ConfigError("the end of the range must come after its start")
    replay = config.replay.model_copy(
        update={
            "speed": "max",
            "start": start or config.replay.start,
            "end": end or config.replay.end,
        }
    )
    return config.model_copy(update={"replay": replay, "storage": StorageConfig()})


async def run_backtest(
    config: AppConfig,
    start: datetime | None,
    end: datetime | None,
    progress: Callable[[float], None],
    cancelled: Callable[[], bool] = lambda: False,
) -> BacktestResult:
    """Replay `config` over the range and return its summary and equity curve. `progress`
    gets the share replayed after each candle; `cancelled` returning True stops the run."""
    replay_config = backtest_config(config, start, end)
    equity: list[tuple[int, Decimal]] = []
    with tempfile.TemporaryDirectory(prefix="traderagent-backtest-") as tmp:
        built = await build_engine(replay_config, Path(tmp) / "backtest.db")
        engine = built.engine
        stopping: list[asyncio.Task[None]] = []

        def on_candle(event: CandleClosed) -> None:
            progress(engine.progress or 0.0)
            if cancelled() and not stopping:
                stopping.append(asyncio.ensure_future(engine.shutdown()))

        engine.bus.subscribe(EquityUpdated, lambda e: equity.append((e.ts, e.equity)))
        engine.bus.subscribe(CandleClosed, on_candle)
        try:
            summary = await engine.run()
            for task in stopping:
                await task
        finally:
            await engine.close()
    return BacktestResult(summary, tuple(equity), engine.data_label)
