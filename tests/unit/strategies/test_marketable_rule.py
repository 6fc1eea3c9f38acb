"""One marketable rule: a strategy sends a limit as a market order (`by_intent`) exactly when
the venues would count it as through the last price (`admission.marketable`); a limit at the
last price is neither: it rests as a maker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from strategies.base import by_intent
from traderagent.domain import OrderType, PlaceOrder, Side
from traderagent.exchanges.paper.admission import marketable

D = Decimal


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
@pytest.mark.parametrize("price", ["99.99", "100.00", "100.01"])
def test_by_intent_and_the_venues_agree(side: Side, price: str) -> None:
    last = D("100.00")
    sent = by_intent(PlaceOrder("o", side, D("0.1"), D(price)), last)
    through = marketable(side, D(price), last)
    assert (sent.type is OrderType.MARKET) is through
    assert through is ((D(price) > last) if side is Side.BUY else (D(price) < last))
