"""What a backtest is asked to run: the config reduced to its bots, the range, the data.

Every problem a user can cause (a live config, an unknown bot, an empty or reversed range, a
missing data file) is a BacktestError whose message says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from traderagent.clock import format_ts
from traderagent.config import AppConfig
from traderagent.exchanges.paper.matching import FILL_MODELS, FillModel
from traderagent.marketdata import (
    BUNDLED_SAMPLE,
    CandleSeries,
    MarketDataError,
    load_bundled,
    load_candles,
)
from traderagent.marketdata.decoded import decoded_candles
from traderagent.marketdata.warmup import WARMUP_MS


class BacktestError(Exception):
    """A backtest that cannot run as asked; the message says what to change."""


@dataclass(frozen=True, slots=True)
class ReplayWindow:
    """The candles a backtest trades on, the history before them (warm-up, no trading), and
    a label for the data."""

    candles: CandleSeries
    history: CandleSeries
    label: str


def parse_moment(text: str, field: str) -> datetime | None:
    """`2023-03-01` or `2023-03-01T06:00` (UTC unless an offset is given); '' means none."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BacktestError(
            f"{field}: {text!r} is not an ISO date or time (write 2023-03-01 or 2023-03-01T06:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def backtest_config(
    config: AppConfig,
    *,
    bot: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fill_model: FillModel | None = None,
) -> AppConfig:
    """`config` as a backtest runs it: only `bot` (every bot, on one account, when None), each
    started at once, replayed as fast as possible over [start, end) with `fill_model`."""
    if config.mode != "paper":
        raise BacktestError(
            f"backtests replay candles on the paper exchange; this config trades "
            f"{config.exchange.venue} live: use a paper config (mode: paper)"
        )
    bots = list(config.bots)
    if bot is not None:
        bots = [b for b in config.bots if b.name == bot]
        if not bots:
            names = ", ".join(b.name for b in config.bots)
            raise BacktestError(f"no bot named {bot!r} in the config (bots: {names})")
    if fill_model is not None and fill_model not in FILL_MODELS:
        raise BacktestError(f"fill model must be one of {', '.join(FILL_MODELS)}: {fill_model!r}")
    start = start or config.replay.start
    end = end or config.replay.end
    start_ms, end_ms = epoch_ms(start), epoch_ms(end)
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        raise BacktestError(
            f"the end ({format_ts(end_ms)}) must come after the start ({format_ts(start_ms)})"
        )
    replay = config.replay.model_copy(update={"speed": "max", "start": start, "end": end})
    paper = config.paper.model_copy(update={"fill_model": fill_model or config.paper.fill_model})
    return config.model_copy(
        update={
            "bots": [b.model_copy(update={"autostart": True}) for b in bots],
            "replay": replay,
            "paper": paper,
        }
    )


LOADED: dict[tuple[str, str], tuple[tuple[int, int], CandleSeries]] = {}
"""Candle files (a store's too) read in this process, by (path, symbol), with the (size,
mtime) read: the fill-model reruns of one `backtest` read the same file again (a changed file
is read anew)."""


def load_series(data: str, symbol: str) -> tuple[CandleSeries, str]:
    """The candles named by `data` (`bundled`, a CSV/Parquet path or `store:...`) and a label."""
    try:
        if data == "bundled":
            return load_bundled(), f"bundled {BUNDLED_SAMPLE}"
        if data.startswith("store:"):
            from traderagent.marketdata.store import stored_file

            return _load_file(data, symbol, stored_file(data)), data
        return _load_file(data, symbol, Path(data)), Path(data).name
    except MarketDataError as err:
        raise BacktestError(f"data: {err}") from None


def _load_file(data: str, symbol: str, path: Path) -> CandleSeries:
    """`load_candles(data)`, served from LOADED while `path` (the file read) is unchanged, and
    from its decoded copy (`marketdata.decoded`) in a new process."""
    try:
        stat = path.stat()
    except OSError:
        return load_candles(data, symbol=symbol)  # says what is wrong with the path
    version = (stat.st_size, stat.st_mtime_ns)
    known = LOADED.get((str(path), symbol))
    if known is not None and known[0] == version:
        return known[1]  # CandleSeries is immutable: sharing it is safe
    candles = decoded_candles(path, symbol, lambda: load_candles(data, symbol=symbol))
    LOADED.clear()  # one file at a time: a search over many files keeps no old ones
    LOADED[(str(path), symbol)] = (version, candles)
    return candles


def replay_window(config: AppConfig, candles: CandleSeries, label: str) -> ReplayWindow:
    """The part of `candles` inside the config's replay range, and the warm-up before it."""
    symbols = {b.symbol for b in config.bots}
    if symbols != {candles.symbol}:
        wanted = ", ".join(sorted(symbols))
        raise BacktestError(f"the data holds {candles.symbol} candles but the bots trade {wanted}")
    start_ms, end_ms = epoch_ms(config.replay.start), epoch_ms(config.replay.end)
    history = (
        candles.between(start_ms - WARMUP_MS, start_ms) if start_ms is not None else candles.head(0)
    )
    traded = candles.between(start_ms, end_ms)
    if len(traded) == 0:
        span = (
            f"covers {format_ts(candles.first_ts)} to {format_ts(candles.last_ts)} UTC"
            if len(candles)
            else "has no candles at all"
        )
        raise BacktestError(f"no candles in the chosen range: {label} {span}")
    return ReplayWindow(traded, history, label)
