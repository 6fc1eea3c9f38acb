"""A quiet span of a replay, as the parts of the engine are told of it (`skip`): each part that
keeps per-candle state brings itself past the span as if each candle had been stepped, through
`QuietPart.pass_quiet`, instead of the fast-forward writing its fields."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from traderagent.marketdata.series import CandleSeries


@dataclass(frozen=True, slots=True)
class QuietSpan:
    """Candles [lo, hi) of `series`, none of which fills, wakes or trips anything; `price` is
    the span's last close as the engine prices it."""

    series: CandleSeries
    lo: int
    hi: int
    price: Decimal

    @property
    def symbol(self) -> str:
        return self.series.symbol

    @property
    def count(self) -> int:
        return self.hi - self.lo


class QuietPart(Protocol):
    """A part of the engine a quiet span is passed over (the engine, each bot of its symbol)."""

    def pass_quiet(self, span: QuietSpan) -> None:
        """Be where stepping the span's candles would have left this part."""
        ...
