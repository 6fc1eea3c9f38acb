"""What every route reaches: the engine, the daemon's config, the jobs and the observers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, status

from traderagent.api.backtests import BacktestJobs
from traderagent.api.latency import ExchangeLatency
from traderagent.api.metrics import StreamStats
from traderagent.api.observer import EngineObserver
from traderagent.config import AppConfig
from traderagent.facade import BotSnapshot, EngineAPI, EngineSnapshot

PREFIX = "/api/v1"
NAME_SHOWN = 40
"""A longer unknown name is cut short in the 404's message (it is echoed back, not trusted)."""


@dataclass
class ApiContext:
    """The state one app's routes share (one per `create_app`)."""

    engine: EngineAPI
    observer: EngineObserver
    backtests: BacktestJobs
    config_source: Callable[[], AppConfig] | None = None
    """Re-reads the daemon's own config file (reload without a body, backtest defaults)."""
    stream_buffer: int = 1_000
    """Events buffered per WebSocket client before it is dropped."""
    latency: ExchangeLatency = field(default_factory=ExchangeLatency)
    streams: StreamStats = field(default_factory=StreamStats)

    def bot(self, name: str, snapshot: EngineSnapshot | None = None) -> BotSnapshot:
        """The named bot now, or 404 naming the bots there are."""
        snapshot = snapshot or self.engine.snapshot()
        for bot in snapshot.bots:
            if bot.name == name:
                return bot
        known = ", ".join(b.name for b in snapshot.bots) or "none"
        shown = name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no bot named {shown!r} (bots: {known})")

    def daemon_config(self) -> AppConfig:
        """The daemon's config file as it is now (ConfigError when it no longer validates)."""
        if self.config_source is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "this engine was started without a config file to re-read: send `config`",
            )
        return self.config_source()
