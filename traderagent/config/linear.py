"""The paper venue's linear (USDT) perpetuals: `paper.category: linear` and `paper.linear`.

The settlement model is `traderagent.exchanges.paper.linear` (README, "Perpetuals (linear)"):
one-way positions with leverage, isolated or cross margin, funding every 8 hours and
liquidation at the maintenance margin by Bybit's rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from traderagent.config.instruments import SpotSymbol

MAX_LEVERAGE = Decimal(100)


class LinearConfig(BaseModel):
    """Leverage, margin mode, maintenance margin, fees and funding of linear perpetuals."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    leverage: Decimal = Field(default=Decimal(10), ge=1, le=MAX_LEVERAGE)
    """Leverage of every symbol not in `leverage_by_symbol` (initial margin = notional / it)."""
    leverage_by_symbol: dict[SpotSymbol, Decimal] = Field(default_factory=dict)
    """Leverage per symbol (`BTCUSDT: 5`)."""
    margin_mode: Literal["isolated", "cross"] = "isolated"
    """isolated: a liquidation loses the position's margin; cross: the free balance too."""
    maintenance_margin_rate: Decimal = Field(default=Decimal("0.005"), gt=0, lt=1)
    """MMR of every symbol not in `mmr_by_symbol` (Bybit BTCUSDT's first risk tier: 0.5 %)."""
    mmr_by_symbol: dict[SpotSymbol, Decimal] = Field(default_factory=dict)
    """Maintenance margin rate per symbol (the first risk-limit tier's, e.g. ETHUSDT: 0.005)."""
    maker_fee: Decimal = Field(default=Decimal("0.0002"), ge=0, lt=1)
    """Maker fee rate, charged in USDT (Bybit linear base tier: 0.02 %)."""
    taker_fee: Decimal = Field(default=Decimal("0.00055"), ge=0, lt=1)
    """Taker fee rate, charged in USDT (Bybit linear base tier: 0.055 %)."""
    long_only: bool = True
    """Every sell only reduces a long (Bybit's reduce-only rule: refused when there is no long,
    cut to it); false lets a trend bot (`sides: short|both`), a grid (`direction:
    short|neutral`) or a DCA (`direction: short`) open shorts."""
    funding_rate: Decimal = Field(default=Decimal(0), gt=-1, lt=1)
    """Funding rate per 8-hour mark when no `funding_file` is given (0.0001 = 0.01 %)."""
    funding_file: str | None = None
    """CSV of `symbol,fundingRateTimestamp,fundingRate` (Bybit's funding history fields, as
    `data download --kind funding` writes it), or `bundled`: the fixed 0.01 % file shipped
    with the bundled candles (not real data); a mark before its first rate is not settled
    (logged and counted)."""
    mark: dict[SpotSymbol, str] = Field(default_factory=dict)
    """Mark-price series per symbol (`BTCUSDT: store:BTCUSDT-MARK-1m`, from `data download
    --kind mark`, or a candle file): a mark candle's close is the mark at the close of the
    price candle opening with it; without one the mark is the last price."""

    @field_validator("leverage_by_symbol")
    @classmethod
    def _leverage_in_range(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for symbol, leverage in value.items():
            if not 1 <= leverage <= MAX_LEVERAGE:
                raise ValueError(f"leverage of {symbol} must be in [1, {MAX_LEVERAGE}]")
        return value

    @field_validator("mmr_by_symbol")
    @classmethod
    def _mmr_in_range(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for symbol, rate in value.items():
            if not 0 < rate < 1:
                raise ValueError(f"maintenance margin rate of {symbol} must be in (0, 1)")
        return value

    def leverage_of(self, symbols: list[str]) -> dict[str, Decimal]:
        return {s: self.leverage_by_symbol.get(s, self.leverage) for s in symbols}

    def mmr_of(self, symbols: list[str]) -> dict[str, Decimal]:
        return {s: self.mmr_by_symbol.get(s, self.maintenance_margin_rate) for s in symbols}
