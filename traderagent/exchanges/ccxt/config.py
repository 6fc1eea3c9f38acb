"""The ccxt venue section of a config: which exchange (any ccxt id), sandbox, market, keys."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

INSTALL_HINT = "ccxt is not installed: pip install 'traderagent[ccxt]'"
"""What to do when a config names the ccxt venue on a lean install."""


def ccxt_installed() -> bool:
    """Whether ccxt can be imported (asked without importing it: reading a config stays fast)."""
    return importlib.util.find_spec("ccxt") is not None


class CcxtConfig(BaseModel):
    """An account on any exchange ccxt speaks (binance, okx, kraken, ...), spot or linear swaps."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    venue: Literal["ccxt"] = "ccxt"
    """Selects this venue."""
    exchange: str = Field(min_length=2, max_length=40)
    """The ccxt exchange id: `binance`, `okx`, `kraken`, `bybit`, ... (`ccxt.exchanges`)."""
    sandbox: bool = False
    """Trade the exchange's test environment (ccxt's sandbox mode) instead of the real one."""
    market: Literal["spot", "swap"] = "spot"
    """Product line traded: `spot`, or `swap` (linear perpetuals settled in the quote coin)."""
    credentials: str | None = None
    """Name of the stored API key pair to trade with (with its passphrase where the exchange
    wants one, as OKX does); none for market data only."""
    url: str | None = None
    """A compatible server to send every REST request to instead of the exchange's own hosts
    (e.g. `traderagent emulator` for `exchange: bybit`); none for the real exchange."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """Seconds to wait for a REST answer before treating it as lost."""
    poll_interval_s: float = Field(default=2.0, gt=0, le=60)
    """Seconds between REST polls of orders and trades when the exchange has no private
    stream (and as a safety net when it has one)."""
    throttle: bool = True
    """ccxt's own request throttle, which keeps to the exchange's published rate limits;
    `false` only for a local server (`url`), e.g. the emulator."""
    streams: bool = True
    """Use ccxt.pro's WebSocket methods where the exchange has them: candles pushed by
    `watch_ohlcv`, and `watch_orders` / `watch_my_trades` waking the poll; `false` polls
    REST only."""

    @field_validator("exchange")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not value.replace("_", "").isalnum() or value.lower() != value:
            raise ValueError(f"{value!r} is not a ccxt exchange id (lower case, e.g. binance)")
        return value

    @model_validator(mode="after")
    def _ccxt_present(self) -> CcxtConfig:
        if not ccxt_installed():
            raise ValueError(INSTALL_HINT)
        return self
