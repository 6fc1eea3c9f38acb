"""The configuration schema. Frozen models; unknown keys are errors, not silently ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from strategies.grid.config import GridConfig

StrategyConfig = GridConfig


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ReplayConfig(Section):
    """Where replayed candles come from and how fast they play."""

    data: str = "bundled"
    """`bundled` (real BTC/USDT 1m candles, March 2023) or a CSV/CSV.gz/Parquet path."""
    symbol: str = "BTCUSDT"
    """Symbol the candles belong to."""
    speed: float | Literal["max"] = 3600.0
    """Simulated seconds per real second, or `max` for as fast as possible."""
    start: datetime | None = None
    """First candle to replay (UTC); default the start of the data."""
    end: datetime | None = None
    """Replay stops before this time (UTC); default the end of the data."""

    @field_validator("speed")
    @classmethod
    def _positive_speed(cls, value: float | str) -> float | str:
        if isinstance(value, float) and value <= 0:
            raise ValueError("speed must be positive, or `max`")
        return value

    @property
    def speed_factor(self) -> float | None:
        return None if self.speed == "max" else float(self.speed)


class PaperConfig(Section):
    """The simulated exchange account."""

    balances: dict[str, Decimal] = Field(default_factory=lambda: {"USDT": Decimal(10000)})
    """Starting balances by asset."""
    maker_fee: Decimal = Field(default=Decimal("0.0002"), ge=0, lt=1)
    """Fee rate for resting (maker) fills."""
    taker_fee: Decimal = Field(default=Decimal("0.00055"), ge=0, lt=1)
    """Fee rate for market and marketable (taker) fills."""
    fill_model: Literal["pessimistic", "ohlc", "olhc"] = "pessimistic"
    """Intrabar path used to decide fills (see PERFORMANCE.md)."""


class StorageConfig(Section):
    database_url: str | None = None
    """SQLAlchemy URL; empty means SQLite in the user's data directory (`--db` overrides both)."""

    @field_validator("database_url")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value or None


class HaltConfig(Section):
    close_positions: bool = False
    """On emergency halt, also close positions at market after cancelling orders."""


class BotConfig(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")
    """Unique bot name (letters, digits, - and _; at most 20, it prefixes client order ids)."""
    symbol: str = "BTCUSDT"
    """Instrument traded."""
    autostart: bool = True
    """Start the bot when the engine starts."""
    strategy: StrategyConfig
    """Strategy and its parameters."""


class AppConfig(Section):
    """A whole TraderAgent configuration file."""

    mode: Literal["paper"] = "paper"
    """Trading mode. `paper` trades a simulated account on replayed real candles."""
    replay: ReplayConfig = ReplayConfig()
    paper: PaperConfig = PaperConfig()
    storage: StorageConfig = StorageConfig()
    halt: HaltConfig = HaltConfig()
    equity_interval_minutes: int = Field(default=60, ge=1)
    """How often (in engine time) an equity point is stored."""
    bots: list[BotConfig] = Field(min_length=1)
    """The bots this engine runs."""

    @model_validator(mode="after")
    def _unique_bot_names(self) -> AppConfig:
        names = [bot.name for bot in self.bots]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"bot names must be unique; repeated: {', '.join(duplicates)}")
        return self
