"""Shared start-up for the CLI and the TUI: load config, build the engine, explain failures."""

from __future__ import annotations

from pathlib import Path

from traderagent.config import AppConfig, ConfigError, load_config
from traderagent.wiring.runtime import (
    Built,
    FleetOptions,
    LeaseRefused,
    StartupError,
    build_engine,
    database_target,
)


class LaunchError(Exception):
    def __init__(self, message: str, exit_code: int, *, lease_refused: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.lease_refused = lease_refused
        """A bot runs elsewhere: a fleet daemon stands by rather than exit."""


def prepare(config_path: Path | None, speed: float | str | None = None) -> AppConfig:
    """Load and validate the config (exit code 2 on a bad one); apply a --speed override."""
    try:
        config = load_config(config_path)
    except ConfigError as err:
        raise LaunchError(str(err), 2) from None
    if speed is not None:
        replay = config.replay.model_copy(update={"speed": speed})
        config = config.model_copy(update={"replay": replay})
    return config


async def open_engine(
    config: AppConfig, db: str | Path | None, fleet: FleetOptions | None = None
) -> Built:
    try:
        return await build_engine(config, db, fleet)
    except ConfigError as err:
        raise LaunchError(str(err), 2) from None
    except LeaseRefused as err:
        raise LaunchError(str(err), 1, lease_refused=True) from None
    except StartupError as err:
        raise LaunchError(str(err), 1) from None


def log_file_for(target: str | Path) -> Path:
    """`<data dir>/logs/<database stem>.log`: one log per account (`traderagent.log` for a
    database URL)."""
    from traderagent.paths import data_dir

    stem = target.stem if isinstance(target, Path) else "traderagent"
    return data_dir() / "logs" / f"{stem}.log"


def start_logging(
    config: AppConfig, db: str | Path | None, level: str, fmt: str, *, to_stderr: bool
) -> Path:
    """Configure logging for a run on `config` (`traderagent.logs`); the log file's path.
    LaunchError (exit 1) when the log file cannot be opened."""
    from traderagent.logs import configure_logging

    log_file = log_file_for(database_target(config, db))
    try:
        configure_logging(level, fmt, to_stderr=to_stderr, log_file=log_file)
    except OSError as err:
        raise LaunchError(f"log file {log_file}: {err.strerror}", 1) from None
    return log_file
