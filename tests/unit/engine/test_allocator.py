"""The capital allocator: budgets from shares, and buys cut to what is available."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.factories import BTCUSDT

from traderagent.domain import OrderRequest, OrderType, PlaceOrder, Side
from traderagent.engine.allocator import AllocationError, BatchLocks, CapitalAllocator, fit_buy
from traderagent.exchanges.fee_rules import Category, FeeRules
from traderagent.exchanges.paper.account import Account as VenueAccount
from traderagent.exchanges.paper.admission import admit

D = Decimal


@dataclass
class Account:
    """The account as the engine shows it to the allocator: the free quote of its last balance
    refresh, less what the buys approved since then lock (the engine's `BatchLocks`)."""

    equity: Decimal
    free: Decimal
    balances: dict[str, Decimal] = field(default_factory=dict)
    batch: BatchLocks = field(default_factory=BatchLocks)

    @property
    def free_quote(self) -> Decimal:
        return self.free - self.batch.locked(self.balances)

    def lock_quote(self, amount: Decimal) -> None:
        self.batch.add(self.balances, amount)

    def refresh(self, free: Decimal) -> None:
        """The engine read the balances again (a new mapping): they show every lock."""
        self.free, self.balances = free, {}


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


def test_a_buy_of_all_the_free_cash_is_cut_to_leave_room_for_the_fee() -> None:
    # the README's trend example without max_notional: a market buy sized to the whole budget
    allocator = CapitalAllocator({"a": None}, fee_reserve=D("0.00055"))
    intent = PlaceOrder("entry1", Side.BUY, D("0.5"), type=OrderType.MARKET)
    fitted, reason = fit_buy(
        intent,
        allocator,
        Account(D(10000), D(10000)),
        bot="a",
        committed=D(0),
        instrument=BTCUSDT,
        mark=D(20000),
    )
    assert fitted is not None and fitted.qty == D("0.499725")  # 10,000 / 1.00055 / 20,000
    assert fitted.qty * D(20000) * D("1.00055") <= D(10000)
    assert "0.055% fee reserved" in reason


def test_a_negative_fee_reserve_is_refused() -> None:
    with pytest.raises(AllocationError, match="negative"):
        CapitalAllocator({"a": None}, fee_reserve=D("-0.001"))


rates = st.sampled_from([D(0), D("0.0002"), D("0.00055"), D("0.001"), D("0.01")])


@given(
    free=money,
    pct=st.one_of(st.just(D(100)), st.decimals(min_value=1, max_value=100, places=0)),
    committed=st.one_of(st.just(D(0)), money),
    qty=st.decimals(min_value=D("0.000001"), max_value=5, places=6),
    share=st.one_of(st.none(), st.decimals(min_value=D("0.98"), max_value=D("1.02"), places=4)),
    price=st.decimals(min_value=100, max_value=100_000, places=2),
    market=st.booleans(),
    maker=rates,
    taker=rates,
    category=st.sampled_from(["spot", "linear"]),
)
def test_every_buy_the_allocator_approves_the_paper_venue_admits(
    free: Decimal,
    pct: Decimal,
    committed: Decimal,
    qty: Decimal,
    share: Decimal | None,
    price: Decimal,
    market: bool,
    maker: Decimal,
    taker: Decimal,
    category: Category,
) -> None:
    """Given the same balances, the venue never refuses for want of cash a buy the allocator
    let through: the allocator reserves the fee the venue locks with it (none on spot, whose
    buys pay their fee in base; the worst rate on linear)."""
    if share is not None:  # a buy of about all the free cash: where a fee can tip it over
        qty = max(BTCUSDT.floor_qty(free * share / price), BTCUSDT.lot_size)
    fees = FeeRules(maker, taker, category)
    allocator = CapitalAllocator({"a": pct}, fee_reserve=fees.lock_rate)
    kind = OrderType.MARKET if market else OrderType.LIMIT
    intent = PlaceOrder("b", Side.BUY, qty, None if market else price, type=kind)
    fitted, _ = fit_buy(
        intent,
        allocator,
        Account(free + committed, free),
        bot="a",
        committed=committed,
        instrument=BTCUSDT,
        mark=price,
    )
    if fitted is None:
        return
    request = OrderRequest(
        "a-1",
        BTCUSDT.symbol,
        Side.BUY,
        kind,
        BTCUSDT.floor_qty(fitted.qty),
        None if market else BTCUSDT.round_price(price, Side.BUY),
        "a",
        "b",
    )
    if BTCUSDT.check_order(request.price or price, request.qty) is not None:
        return  # refused for its size, whatever the cash: execution's pre-check says why
    wallet = VenueAccount({"USDT": free})
    admission = admit(request, BTCUSDT, float(price), wallet, fees.lock_rate)
    assert not isinstance(admission, str), admission


def test_the_buys_of_one_batch_each_see_what_the_earlier_ones_locked() -> None:
    """A grid's batch: three buys of 400 against 1,000 free, decided on one balance snapshot.
    The third no longer fits once the first two lock theirs: it is cut by the allocator, not
    sent whole to a venue that would refuse it; a refresh of the balances ends the batch."""
    allocator = CapitalAllocator({"a": None}, fee_reserve=D("0.001"))
    funds = Account(D(1000), D(1000))

    def buy(tag: str) -> tuple[PlaceOrder | None, str]:
        intent = PlaceOrder(tag, Side.BUY, D("0.02"), D("20000"))  # 400 (400.40 with the fee)
        return fit_buy(
            intent, allocator, funds, bot="a", committed=D(0), instrument=BTCUSDT, mark=D(20000)
        )

    assert [buy("b1")[1], buy("b2")[1]] == ["", ""]
    assert funds.free_quote == D("199.2")
    third, reason = buy("b3")
    assert third is not None and third.qty == D(
        "0.00995"
    )  # 199.2 / 1.001 / 20,000, floored to the lot
    assert "only 199.20 free" in reason
    funds.refresh(D("19.8"))  # the venue's balances now: the locks are in them
    assert funds.free_quote == D("19.8")


@given(
    free=money,
    buys=st.lists(
        st.tuples(
            st.decimals(min_value=D("0.000001"), max_value=2, places=6),
            st.decimals(min_value=100, max_value=100_000, places=2),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    ),
    maker=rates,
    taker=rates,
    category=st.sampled_from(["spot", "linear"]),
)
def test_every_buy_of_a_batch_the_allocator_approves_the_paper_venue_admits(
    free: Decimal,
    buys: list[tuple[Decimal, Decimal, bool]],
    maker: Decimal,
    taker: Decimal,
    category: Category,
) -> None:
    """Buys decided together on one balance snapshot (no refresh between them): the paper
    venue, which locks each admitted buy's cost, never refuses one the allocator let through
    for want of cash."""
    fees = FeeRules(maker, taker, category)
    allocator = CapitalAllocator({"a": D(100)}, fee_reserve=fees.lock_rate)
    funds = Account(free, free)
    wallet = VenueAccount({"USDT": free})
    for n, (qty, price, market) in enumerate(buys):
        kind = OrderType.MARKET if market else OrderType.LIMIT
        intent = PlaceOrder(f"b{n}", Side.BUY, qty, None if market else price, type=kind)
        fitted, _ = fit_buy(
            intent, allocator, funds, bot="a", committed=D(0), instrument=BTCUSDT, mark=price
        )
        if fitted is None:
            continue
        request = OrderRequest(
            f"a-{n}",
            BTCUSDT.symbol,
            Side.BUY,
            kind,
            BTCUSDT.floor_qty(fitted.qty),
            None if market else BTCUSDT.round_price(price, Side.BUY),
            "a",
            f"b{n}",
        )
        if BTCUSDT.check_order(request.price or price, request.qty) is not None:
            continue  # refused for its size, whatever the cash
        admission = admit(request, BTCUSDT, float(price), wallet, fees.lock_rate)
        assert not isinstance(admission, str), (n, admission)
