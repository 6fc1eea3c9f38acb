"""The configuration schema. Frozen models; unknown keys are errors, not silently ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from strategies.smc.config import SmcConfig
from traderagent.config.instruments import InstrumentRules, SpotSymbol
from traderagent.config.linear import LinearConfig
from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.config.routing import RouterConfig
from traderagent.config.service import ApiConfig, TelegramConfig
from traderagent.config.strategies import STRATEGY_KINDS, StrategyConfig
from traderagent.config.tui import TuiConfig
from traderagent.config.venue import ExchangeConfig, PaperVenue
from traderagent.regime.config import RegimeConfig

__all__ = ["STRATEGY_KINDS", "AppConfig", "BotConfig", "RouterConfig", "StrategyConfig"]


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ReplayConfig(Section):
    """Where replayed candles come from and how fast they play."""

    data: str = "bundled"
    """`bundled` (real BTC/USDT 1m candles, March 2023), a CSV/CSV.gz/Parquet path, or
    `store:SYMBOL-1m` (the local candle store: `traderagent data import|download`)."""
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
    maker_fee: Decimal = Field(default=Decimal("0.001"), ge=0, lt=1)
    """Fee rate for resting (maker) fills (Bybit spot: 0.1 %). The coin stays spot's: a buy
    pays its fee in the base coin it receives, a sell in the quote coin."""
    taker_fee: Decimal = Field(default=Decimal("0.001"), ge=0, lt=1)
    """Fee rate for market and marketable (taker) fills (Bybit spot: 0.1 %)."""
    fill_model: Literal["pessimistic", "ohlc", "olhc"] = "pessimistic"
    """Intrabar path used to decide fills (see PERFORMANCE.md)."""
    instruments: dict[SpotSymbol, InstrumentRules] = Field(default_factory=dict)
    """Trading rules by symbol (`XRPUSDT: {tick: "0.0001", lot: "0.1", min_qty: "0.1",
    min_notional: "5"}`), over the known ones (BTCUSDT, ETHUSDT) and those derived from the
    price level of the candles (tick about 1e-5 of the price, a lot worth a few cents)."""
    category: Literal["spot", "linear"] = "spot"
    """spot, or linear: USDT perpetuals with leverage, margin, funding and liquidation
    (`linear`; a trend bot with `sides: short|both`, a short or neutral grid and a short DCA
    may short there)."""
    linear: LinearConfig = Field(default_factory=LinearConfig)
    """Leverage, margin mode, maintenance margin, fees and funding when `category: linear`."""

    @field_validator("balances")
    @classmethod
    def _balances_are_amounts(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, amount in value.items():
            if not amount.is_finite() or amount < 0:
                raise ValueError(f"the {asset} balance must be a finite amount >= 0, not {amount}")
        return value


class StorageConfig(Section):
    database_url: str | None = None
    """SQLAlchemy URL; empty means SQLite in the user's data directory (`--db` overrides both)."""

    @field_validator("database_url")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        if value and "://" in value:
            _check_database_url(value)
        return value or None


def _check_database_url(text: str) -> None:
    """A URL SQLAlchemy can parse, of a database TraderAgent speaks (the message never
    repeats the URL: it may hold a password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(text.strip()).get_backend_name()
    except (ArgumentError, ValueError):
        raise ValueError(
            "not a database URL SQLAlchemy can read (a port that is not a number? an "
            "unclosed [ ]?): write e.g. sqlite:///path/ta.db or postgresql://user@host/db"
        ) from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f"unsupported database {backend!r}: use a sqlite:// or postgresql:// URL")


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
    strategy: StrategyConfig | None = None
    """Strategy and its parameters (give `strategy` or `router`)."""
    router: RouterConfig | None = None
    """Instead of one strategy: let the market regime choose it (DESIGN.md routing table)."""
    smc: SmcConfig | None = None
    """Smart-money-concepts filter on the strategy's entries; absent: entries unfiltered."""
    budget_pct: Decimal | None = Field(default=None, gt=0, le=100)
    """Percent of the account's equity this bot may commit; bots without one share what the
    others leave equally."""
    risk: PairRiskConfig | None = None
    """This bot's trade and pair limits (max order notional, position size, stop loss, open
    orders); absent: none."""

    @model_validator(mode="after")
    def _strategy_or_router(self) -> BotConfig:
        if (self.strategy is None) == (self.router is None):
            raise ValueError("give either `strategy` or `router` (exactly one)")
        return self

    @property
    def kind(self) -> str:
        return self.strategy.kind if self.strategy is not None else "router"


class AppConfig(Section):
    """A whole TraderAgent configuration file."""

    mode: Literal["paper", "live"] = "paper"
    """`paper` trades a simulated account on replayed real candles; `live` trades the account
    under `exchange` (Bybit demo, testnet, mainnet or a compatible server): say it explicitly."""
    exchange: ExchangeConfig = PaperVenue()
    """The account traded: `{venue: paper}` (default), `{venue: bybit, env: demo|testnet|
    mainnet|custom, category: linear|spot, credentials: NAME}` or `{venue: ccxt, exchange:
    binance|okx|kraken|<any ccxt id>, sandbox: true|false, credentials: NAME}`."""
    replay: ReplayConfig = ReplayConfig()
    paper: PaperConfig = PaperConfig()
    storage: StorageConfig = StorageConfig()
    halt: HaltConfig = HaltConfig()
    risk: RiskConfig = RiskConfig()
    """Limits on the whole account: daily loss, drawdown (15 % by default), gross exposure."""
    regime: RegimeConfig = RegimeConfig()
    """The market regime classifier (runs for every traded symbol; routed bots follow it)."""
    equity_interval_minutes: int = Field(default=60, ge=1)
    """How often (in engine time) an equity point is stored."""
    tui: TuiConfig = TuiConfig()
    """The console: key remapping (`keys: {pause_resume: "f5"}`)."""
    api: ApiConfig = ApiConfig()
    """The headless daemon's REST + WebSocket API (host, port, SIGTERM behaviour)."""
    telegram: TelegramConfig = TelegramConfig()
    """Telegram alerts and commands (off unless `enabled: true` with `chat_ids`)."""
    bots: list[BotConfig] = Field(min_length=1)
    """The bots this engine runs."""

    @model_validator(mode="after")
    def _unique_bot_names(self) -> AppConfig:
        names = [bot.name for bot in self.bots]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"bot names must be unique; repeated: {', '.join(duplicates)}")
        live_venue = self.exchange.venue != "paper"
        if live_venue != (self.mode == "live"):
            raise ValueError(
                "`mode: live` and a live `exchange` go together: set `mode: live` to trade "
                f"on {self.exchange.venue}, or leave both out for paper trading"
                if live_venue
                else "`mode: live` needs a live `exchange` (e.g. `{venue: bybit, env: demo}`)"
            )
        if self.telegram.enabled and not self.telegram.chat_ids:
            raise ValueError("telegram.enabled needs chat_ids: the chats allowed to command it")
        shares = sum((bot.budget_pct for bot in self.bots if bot.budget_pct), Decimal(0))
        if shares > 100:
            raise ValueError(f"budget_pct of the bots adds up to {shares}%, more than 100%")
        self._shorts_on_perpetuals()
        return self

    def _shorts_on_perpetuals(self) -> None:
        """A bot that shorts (a trend's `sides: short|both`, a grid's `direction: short|neutral`,
        a DCA's `direction: short`, a router routing to a short trend) needs a venue where a
        sell may open a position: the paper venue's linear perpetuals without `long_only`, or
        Bybit's (`exchange.category: linear`)."""
        shorting = [(b.name, why) for b in self.bots if (why := _shorts(b.strategy))]
        shorting += [
            (b.name, "its router routes to a short trend")
            for b in self.bots
            if b.router is not None and b.router.shorts() and not _shorts(b.strategy)
        ]
        if not shorting:
            return
        names = ", ".join(name for name, _ in shorting)
        why = shorting[0][1]
        if self.exchange.venue == "bybit":
            if self.exchange.category != "linear":
                raise ValueError(
                    f"bot {names} shorts ({why}), which Bybit spot cannot: set "
                    "exchange.category: linear"
                )
            return
        if self.exchange.venue != "paper":
            raise ValueError(
                f"bot {names} shorts ({why}): shorts run on linear perpetuals, the paper "
                "venue's (paper.category: linear) or Bybit's (exchange.category: linear), not "
                f"on {self.exchange.venue}"
            )
        if self.paper.category != "linear":
            raise ValueError(
                f"bot {names} shorts ({why}), which a spot market cannot: set "
                "paper.category: linear (and paper.linear.long_only: false)"
            )
        if self.paper.linear.long_only:
            raise ValueError(
                f"bot {names} shorts ({why}) but paper.linear.long_only is true "
                "(every sell reduce-only): set paper.linear.long_only: false"
            )


def _shorts(strategy: object) -> str:
    """Why a strategy config opens shorts ('sides: both', 'direction: neutral'), or ''."""
    sides = getattr(strategy, "sides", "long")
    if sides != "long":
        return f"sides: {sides}"
    direction = getattr(strategy, "direction", "long")
    return f"direction: {direction}" if direction != "long" else ""
