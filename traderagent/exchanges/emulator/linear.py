"""LinearVenue: the emulator's linear category, a thin adapter on the shared `LinearBook`.

Positions, margin, funding and liquidation are the paper venue's own settlement model
(`traderagent.exchanges.paper.linear`), so the emulator's wire answers (position list, wallet,
executions including Funding and BustTrade) follow the same rule as a paper or backtest run.
The adapter only turns a refusal into the `BybitError` the REST layer answers with.
"""

from __future__ import annotations

from traderagent.domain import Order, OrderRequest
from traderagent.exchanges.emulator.errors import BybitError
from traderagent.exchanges.paper.linear import (
    DEFAULT_LEVERAGE,
    LinearBook,
    LinearPosition,
    LinearRefusal,
)

__all__ = ["DEFAULT_LEVERAGE", "LinearPosition", "LinearVenue"]


class LinearVenue(LinearBook):
    """The shared linear book, answering refusals with Bybit's retCodes."""

    def place_order_sync(self, request: OrderRequest, reduce_only: bool = False) -> Order:
        """Lock margin and fill at once (market) or rest; BybitError if refused."""
        try:
            return super().place_order_sync(request, reduce_only)
        except LinearRefusal as refusal:
            raise BybitError(refusal.code, refusal.message) from None
