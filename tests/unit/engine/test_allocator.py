"""The capital allocator: budgets from shares, and buys cut to what is available."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.factories import BTCUSDT

from traderagent.domain import OrderType, PlaceOrder, Side
from traderagent.engine.allocator import AllocationError, CapitalAllocator, fit_buy

D = Decimal


@dataclass
class Account:
    equity: Decimal
    free_quote: Decimal


def test_fixed_shares_and_the_rest_split_equally() -> None:
    allocator = CapitalAllocator({"a": D(50), "b": None, "c": None})
    assert allocator.budget("a", D(10000)) == D(5000)
    assert allocator.budget("b", D(10000)) == D(2500)
    assert allocator.budget("c", D(10000)) == D(2500)
    assert allocator.budget("unknown", D(10000)) == 0


def test_shares_over_100_percent_are_refused() -> None:
    with pytest.raises(AllocationError, match="adds up to 120"):
        CapitalAllocator({"a": D(70), "b": D(50)})


def test_a_buy_within_budget_passes_untouched() -> None:
    allocator = CapitalAllocator({"a": None})
    intent = PlaceOrder("b1", Side.BUY, D("0.01"), D("20000"))
    fitted, reason = fit_buy(
        intent,
        allocator,
        Account(D(10000), D(10000)),
        bot="a",
        committed=D(0),
        instrument=BTCUSDT,
        mark=D(20000),
    )
    assert (fitted, reason) == (intent, "")


def test_a_buy_over_budget_is_resized_to_the_room_left() -> None:
    allocator = CapitalAllocator({"a": D(10), "b": None})  # a may commit 1,000 of 10,000
    intent = PlaceOrder("b1", Side.BUY, D("0.1"), D("20000"))  # 2,000 asked
    fitted, reason = fit_buy(
        intent,
        allocator,
        Account(D(10000), D(10000)),
        bot="a",
        committed=D(600),
        instrument=BTCUSDT,
        mark=D(20000),
    )
    assert fitted is not None
    assert fitted.qty == D("0.02")  # 400 of room / 20,000
    assert "resized" in reason and "bot budget" in reason


def test_a_buy_beyond_free_cash_is_cut_to_the_cash() -> None:
    allocator = CapitalAllocator({"a": None})
    intent = PlaceOrder("seed", Side.BUY, D("0.5"), type=OrderType.MARKET)
    fitted, reason = fit_buy(
        intent,
        allocator,
        Account(D(10000), D(3000)),
        bot="a",
        committed=D(0),
        instrument=BTCUSDT,
        mark=D(20000),
    )
    assert fitted is not None and fitted.qty == D("0.15")
    assert "only 3000.00 free" in reason


def test_no_room_at_all_refuses_the_buy() -> None:
    allocator = CapitalAllocator({"a": D(10), "b": None})
    intent = PlaceOrder("b1", Side.BUY, D("0.01"), D("20000"))
    fitted, reason = fit_buy(
        intent,
        allocator,
        Account(D(10000), D(10000)),
        bot="a",
        committed=D(1000),
        instrument=BTCUSDT,
        mark=D(20000),
    )
    assert fitted is None
    assert "no capital left" in reason


money = st.decimals(min_value=0, max_value=100_000, places=2)


@given(
    equity=money,
    free=money,
    committed=money,
    qty=st.decimals(min_value=D("0.0001"), max_value=10, places=4),
    price=st.decimals(min_value=100, max_value=100_000, places=2),
    pct=st.decimals(min_value=1, max_value=100, places=0),
)
def test_committed_capital_never_exceeds_budget_or_cash(
    equity: Decimal, free: Decimal, committed: Decimal, qty: Decimal, price: Decimal, pct: Decimal
) -> None:
    allocator = CapitalAllocator({"a": pct})
    intent = PlaceOrder("b", Side.BUY, qty, price)
    fitted, _ = fit_buy(
        intent,
        allocator,
        Account(equity, free),
        bot="a",
        committed=committed,
        instrument=BTCUSDT,
        mark=price,
    )
    if fitted is None:
        return
    notional = fitted.qty * price
    assert fitted.qty <= qty
    budget = equity * pct / 100
    # whether it fit as asked or was cut, neither limit is crossed
    assert committed + notional <= budget
    assert notional <= free
