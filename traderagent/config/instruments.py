"""Trading rules given in the config for paper symbols (`paper.instruments`), instead of the
known ones or those the paper venue derives from the price level."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from traderagent.domain import Instrument
from traderagent.exchanges.spot_rules import KNOWN_SPOT, split_symbol


def _spot_symbol(symbol: str) -> str:
    split_symbol(symbol)  # ValueError naming the quote assets the venue knows
    return symbol


SpotSymbol = Annotated[str, AfterValidator(_spot_symbol)]
"""A `<BASE><QUOTE>` symbol with a known quote asset, e.g. XRPUSDT."""


class InstrumentRules(BaseModel):
    """The trading rules of one symbol on the paper venue."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    tick: Decimal = Field(gt=0)
    """Price step: every order price is a multiple of it (e.g. "0.0001")."""
    lot: Decimal = Field(gt=0)
    """Quantity step: every order quantity is a multiple of it (e.g. "0.1")."""
    min_qty: Decimal | None = Field(default=None, gt=0)
    """Smallest order quantity; default one lot."""
    min_notional: Decimal = Field(default=Decimal(5), ge=0)
    """Smallest order value (price x quantity) in the quote asset; default 5, as on Bybit."""

    def instrument(self, symbol: str) -> Instrument:
        base, quote = split_symbol(symbol)
        min_qty = self.lot if self.min_qty is None else self.min_qty
        return Instrument(symbol, base, quote, self.tick, self.lot, min_qty, self.min_notional)


def paper_listing(rules: Mapping[str, InstrumentRules]) -> dict[str, Instrument]:
    """The instruments the paper venue lists before deriving any: the known table with the
    configured `rules` over it."""
    return {**KNOWN_SPOT, **{symbol: r.instrument(symbol) for symbol, r in rules.items()}}
