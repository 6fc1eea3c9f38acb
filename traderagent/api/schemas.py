"""Bodies and responses of the REST API.

Engine views (bots, orders, fills, regimes, risk limits, charts, run summaries) are the facade's
frozen dataclasses, which pydantic validates and documents as they are: one definition for the
engine, the API and the attached TUI. The models here are what only the API has.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from traderagent.api.backtests import JobStatus
from traderagent.domain import Fill, Order
from traderagent.facade import BotSnapshot, RiskLimitView, RunSummary

BOT_NAME = r"^[A-Za-z0-9_-]{1,20}$"


class Schema(BaseModel):
    """Frozen, no unknown fields: a typo in a body is a 422, not silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Health(Schema):
    """The daemon is up (no token needed: for Docker and load balancers)."""

    status: Literal["ok"] = "ok"
    version: str


class Problem(Schema):
    """A refused request: what was wrong, in a sentence."""

    detail: str


class BotDetail(Schema):
    """One bot with its resting orders, its recent fills and its risk limits."""

    bot: BotSnapshot
    orders: tuple[Order, ...]
    fills: tuple[Fill, ...]
    """The bot's fills among the engine's most recent ones."""
    risk_limits: tuple[RiskLimitView, ...]


class PositionView(Schema):
    """What a bot holds, valued at its last price."""

    bot: str
    symbol: str
    qty: Decimal
    avg_price: Decimal
    last_price: Decimal | None
    unrealised_pnl: Decimal
    realised_pnl: Decimal
    stop_price: Decimal | None = None
    liquidation_price: Decimal | None = None
    """Where the venue liquidates the position (perpetuals; None on spot or flat)."""
    liquidation_distance_pct: Decimal | None = None
    """How far the last price is from it, in percent."""
    liquidation_level: str = ""
    """`warning` within `risk.liquidation_warning_pct` of it, `danger` within half; ''."""


class RiskView(Schema):
    """The account's day and drawdown, and every configured limit with its use now."""

    day_pnl: Decimal | None
    drawdown_pct: Decimal | None
    drawdown_limit_pct: Decimal | None
    breached: int
    """How many limits are crossed now."""
    limits: tuple[RiskLimitView, ...]


class EquityPoint(Schema):
    """One stored equity point."""

    ts: int
    """Engine time (epoch ms)."""
    equity: Decimal


class EquityView(Schema):
    """Equity now, and the points the engine stored since this daemon started."""

    clock_ms: int
    equity: Decimal
    starting_equity: Decimal
    pnl: Decimal
    day_pnl: Decimal | None
    drawdown_pct: Decimal | None
    points: tuple[EquityPoint, ...]


class HaltRequest(Schema):
    """Emergency halt: freeze, cancel every open order, tell the operator."""

    bot: str | None = Field(default=None, pattern=BOT_NAME)
    """One bot, or every bot when absent."""
    reason: str = Field(default="operator halt via API", min_length=1, max_length=200)


class AckRequest(Schema):
    """Acknowledge an EMERGENCY: the bot goes STOPPING -> STOPPED."""

    bot: str | None = Field(default=None, pattern=BOT_NAME)
    """One bot, or every bot in EMERGENCY when absent."""


class ReloadRequest(Schema):
    """Apply a config while the engine runs (what is safe; the rest is refused, saying why)."""

    config: dict[str, Any] | None = None
    """A whole config as a JSON object (YAML's structure); absent: the daemon re-reads the file
    it was started with."""


class BacktestRequest(Schema):
    """A backtest of a paper config over a date range, apart from the live engine."""

    config: dict[str, Any] | None = None
    """A whole paper config as a JSON object; absent: the daemon's own config."""
    start: datetime | None = None
    """First candle (UTC when no zone is given); absent: the start of the data."""
    end: datetime | None = None
    """The replay stops before this time; absent: the end of the data."""

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


class BacktestJob(Schema):
    """A submitted backtest and how far it got."""

    id: str
    status: JobStatus
    progress: float
    """Share of the candles replayed, 0 to 1."""
    submitted_ms: int
    """Wall-clock time of submission (epoch ms)."""
    finished_ms: int | None = None
    error: str = ""


class BacktestResultView(Schema):
    """A finished backtest: its run summary, equity curve and metrics."""

    id: str
    period: str
    summary: RunSummary
    equity: tuple[EquityPoint, ...]
    metrics: dict[str, Any] = {}
    """What `traderagent backtest --json` writes: candles, orders, fills, trades, fees,
    net_pnl, return_pct, max_drawdown_pct, sharpe, sortino, win_rate, profit_factor,
    final_equity, grid_cycles, elapsed_s (money as exact strings; null when undefined)."""
