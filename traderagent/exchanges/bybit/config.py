"""The Bybit venue section of a config: which environment, category and key pair to use."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from traderagent.exchanges.bybit.hosts import BybitHosts, Environment, Region, hosts_for


class BybitConfig(BaseModel):
    """A Bybit V5 account: demo, testnet, mainnet, or a compatible server (the emulator)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    venue: Literal["bybit"] = "bybit"
    """Selects this venue."""
    env: Environment = "demo"
    """`demo` (mainnet demo trading), `testnet`, `mainnet`, or `custom` (set `url`)."""
    region: Region = "global"
    """The mainnet site the account is registered on: `global` (api.bybit.com), `bytick`,
    `nl`, `tr`, `kz`, `ge`, `ae`, `eu` or `id` (its regional REST and stream hosts)."""
    url: str | None = Field(default=None, validation_alias=AliasChoices("url", "rest_url"))
    """REST base URL of a Bybit-compatible server for `env: custom` (also `rest_url`), e.g.
    `http://127.0.0.1:8787`."""
    ws_public_url: str | None = None
    """`env: custom`: the public streams, `wss://HOST` (plus `/v5/public/{category}`) or a URL
    with `{category}`; by default on the REST host and port."""
    ws_private_url: str | None = None
    """`env: custom`: the private stream's whole URL; by default `/v5/private` on the REST
    host and port."""
    category: Literal["linear", "spot"] = "linear"
    """Product line traded: `linear` (USDT perpetuals) or `spot`."""
    credentials: str | None = None
    """Name of the stored API key pair to trade with; none for market data only."""
    leverage: Decimal | None = Field(default=None, ge=1, le=100)
    """`category: linear`: the leverage set on each traded symbol at start (none: keep the
    account's, read from its position list). Orders are budgeted by margin at it."""
    recv_window_ms: int = Field(default=5_000, ge=1_000, le=60_000)
    """How long (ms) a signed request stays valid after its timestamp."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """Seconds to wait for a REST answer before treating it as lost."""
    max_attempts: int = Field(default=4, ge=1, le=10)
    """Attempts per REST call for failures that are safe to retry (timeouts, 5xx, limits)."""
    ping_interval_s: float = Field(default=20.0, gt=0, le=60)
    """Seconds between application pings on each stream (Bybit asks for 20)."""
    reconnect_max_delay_s: float = Field(default=30.0, gt=0, le=600)
    """Upper bound of the jittered delay between stream reconnect attempts."""
    ban_pause_s: float = Field(default=600.0, ge=0)
    """How long to send nothing after an HTTP 403 (IP limit breached; Bybit says 10 min)."""

    @model_validator(mode="after")
    def _url_matches_env(self) -> BybitConfig:
        self.hosts  # noqa: B018 - raises a ValueError that names the problem
        if self.leverage is not None and self.category != "linear":
            raise ValueError("exchange.leverage is for category: linear (spot has no leverage)")
        return self

    @property
    def hosts(self) -> BybitHosts:
        return hosts_for(
            self.env,
            self.url,
            region=self.region,
            ws_public_url=self.ws_public_url,
            ws_private_url=self.ws_private_url,
        )
