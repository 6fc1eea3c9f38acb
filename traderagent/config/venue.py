"""Which exchange account an engine trades: the paper venue, Bybit V5, or any ccxt exchange."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from traderagent.exchanges.bybit.config import BybitConfig
from traderagent.exchanges.ccxt.config import CcxtConfig


class PaperVenue(BaseModel):
    """The simulated exchange on replayed candles (settings under `paper` and `replay`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    venue: Literal["paper"] = "paper"
    """Selects this venue."""


ExchangeConfig = Annotated[PaperVenue | BybitConfig | CcxtConfig, Field(discriminator="venue")]
"""One engine trades one account: `venue: paper` (default), `venue: bybit` or `venue: ccxt`."""
