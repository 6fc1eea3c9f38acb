"""Properties: no sequence of intents, fills and cancels crosses a configured limit, and exits
always pass.

A simple spot account runs every step: intents go through the gate, a passed limit order rests,
a passed market order fills at once; fills happen at the mark (fixed per example), partly or
fully; a sell never sells more than is held. After each step the limits must hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.factories import BTCUSDT

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import (
    ZERO,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Position,
    Purpose,
    Side,
)
from traderagent.engine.risk import AccountView, BotBook, adds_exposure, bot_book, review

D = Decimal
HUNDRED = D(100)

marks = st.integers(min_value=1_000_000, max_value=6_000_000).map(lambda c: D(c) / 100)
quantities = st.integers(min_value=1, max_value=3_000).map(lambda u: D(u) / 10_000)
"""0.0001 to 0.3 BTC: orders of 1 to 18,000 USDT, so limits bind often and orders stack."""
purposes = st.sampled_from(list(Purpose))
LIMITS = {
    "max_order_notional": st.integers(5, 20_000).map(D),
    "max_position_qty": quantities,
    "max_position_notional": st.integers(5, 40_000).map(D),
    "max_open_orders": st.integers(1, 8),
}
pair_limits = st.builds(PairRiskConfig, **{k: st.none() | v for k, v in LIMITS.items()})
portfolio_limits = st.builds(
    RiskConfig, max_gross_exposure_pct=st.none() | st.integers(1, 150).map(D)
)


def limits(which: str) -> st.SearchStrategy[tuple[PairRiskConfig, RiskConfig]]:
    """One limit alone (so every example tests it), or any mix of them."""
    if which == "any mix":
        return st.tuples(pair_limits, portfolio_limits)
    if which == "max_gross_exposure_pct":
        gross = st.builds(RiskConfig, max_gross_exposure_pct=st.integers(1, 150).map(D))
        return st.tuples(st.just(PairRiskConfig()), gross)
    return st.tuples(st.builds(PairRiskConfig, **{which: LIMITS[which]}), st.just(RiskConfig()))


place = st.tuples(
    st.just("place"),
    st.sampled_from(list(Side)),
    purposes,
    quantities,
    st.none() | st.integers(-300, 300),  # None: market; else the limit price's offset in 0.1 %
)
fill = st.tuples(st.just("fill"), st.integers(0, 20), st.sampled_from([D("0.25"), D("0.5"), D(1)]))
cancel = st.tuples(st.just("cancel"), st.integers(0, 20))
steps = st.lists(st.one_of(place, place, fill, cancel), min_size=1, max_size=40)


@dataclass
class Account:
    """One bot on a spot account, filled at a fixed mark."""

    mark: Decimal
    cash: Decimal
    position: Decimal = ZERO
    orders: list[Order] = field(default_factory=list)
    seq: int = 0

    @property
    def equity(self) -> Decimal:
        return self.cash + self.position * self.mark

    def book(self) -> BotBook:
        return bot_book(Position("BTCUSDT", self.position, self.mark), self.orders, self.mark)

    def submit(self, intent: PlaceOrder) -> Order:
        self.seq += 1
        price = None
        if intent.type is OrderType.LIMIT and intent.price is not None:
            price = BTCUSDT.round_price(intent.price, intent.side)
        order = Order(
            f"bot-{self.seq}",
            "BTCUSDT",
            intent.side,
            intent.type,
            BTCUSDT.floor_qty(intent.qty),
            price,
            OrderStatus.NEW,
            0,
            0,
            tag=intent.tag,
        )
        if intent.type is OrderType.MARKET:
            self.trade(order.side, order.qty)
        else:
            self.orders.append(order)
        return order

    def fill(self, index: int, fraction: Decimal) -> None:
        if not self.orders:
            return
        order = self.orders[index % len(self.orders)]
        qty = BTCUSDT.floor_qty(order.remaining * fraction) or order.remaining
        qty = self.trade(order.side, qty)
        filled = replace(order, filled_qty=order.filled_qty + qty)
        self.orders.remove(order)
        if filled.remaining > 0:
            self.orders.append(filled)

    def trade(self, side: Side, qty: Decimal) -> Decimal:
        if side is Side.SELL:
            qty = min(qty, self.position)  # spot: nothing sells that is not held
        sign = 1 if side is Side.BUY else -1
        self.position += sign * qty
        self.cash -= sign * qty * self.mark
        return qty


def check_limits(account: Account, pair: PairRiskConfig, portfolio: RiskConfig) -> None:
    """The limits, measured on the account itself (not through the gate's own book): what
    the bot holds plus everything its resting buys may still add, at the mark it fills at."""
    worst = account.position + sum(
        (o.remaining for o in account.orders if o.side is Side.BUY), ZERO
    )
    if pair.max_position_qty is not None:
        assert worst <= pair.max_position_qty
    if pair.max_position_notional is not None:
        assert worst * account.mark <= pair.max_position_notional
    if pair.max_open_orders is not None:
        limited = [o for o in account.orders if o.side is Side.BUY or o.tag.startswith("entry")]
        assert len(limited) <= pair.max_open_orders
    if portfolio.max_gross_exposure_pct is not None:
        ceiling = account.equity * portfolio.max_gross_exposure_pct / HUNDRED
        assert worst * account.mark <= ceiling


@pytest.mark.parametrize("which", [*LIMITS, "max_gross_exposure_pct", "any mix"])
def test_no_sequence_of_intents_and_fills_crosses_a_limit(which: str) -> None:
    @settings(max_examples=200, deadline=None)
    @given(
        mark=marks, cash=st.integers(100, 200_000).map(D), configured=limits(which), actions=steps
    )
    def run(
        mark: Decimal,
        cash: Decimal,
        configured: tuple[PairRiskConfig, RiskConfig],
        actions: list[tuple[object, ...]],
    ) -> None:
        run_sequence(mark, cash, *configured, actions)

    run()


def run_sequence(
    mark: Decimal,
    cash: Decimal,
    pair: PairRiskConfig,
    portfolio: RiskConfig,
    actions: list[tuple[object, ...]],
) -> None:
    account = Account(mark, cash)
    for n, action in enumerate(actions):
        if action[0] == "place":
            _, side, purpose, qty, offset = action
            assert isinstance(side, Side) and isinstance(purpose, Purpose)
            assert isinstance(qty, Decimal)
            tag = f"{'entry' if purpose is Purpose.ENTRY else 'other'}{n}"
            if offset is None:
                intent = PlaceOrder(tag, side, qty, type=OrderType.MARKET, purpose=purpose)
            else:
                assert isinstance(offset, int)
                price = mark * (1000 + offset) / 1000
                intent = PlaceOrder(tag, side, qty, price, purpose=purpose)
            view = AccountView(account.equity, account.book().exposure)
            verdict = review(intent, account.book(), view, BTCUSDT, pair, portfolio)
            if verdict.intent is None:
                assert adds_exposure(intent) and verdict.reason
                continue
            assert verdict.intent.qty <= intent.qty
            placed = account.submit(verdict.intent)
            if pair.max_order_notional is not None and adds_exposure(intent):
                assert placed.qty * (placed.price or mark) <= pair.max_order_notional
        elif action[0] == "fill":
            _, index, fraction = action
            assert isinstance(index, int) and isinstance(fraction, Decimal)
            account.fill(index, fraction)
        else:
            _, index = action
            assert isinstance(index, int)
            if account.orders:
                account.orders.pop(index % len(account.orders))
        check_limits(account, pair, portfolio)


exits = st.builds(
    PlaceOrder,
    tag=st.just("x"),
    side=st.just(Side.SELL),
    qty=quantities,
    price=st.none() | marks,
    type=st.sampled_from(list(OrderType)),
    purpose=st.sampled_from([Purpose.EXIT, Purpose.STOP, Purpose.TAKE_PROFIT, Purpose.COUNTER]),
)
books = st.builds(
    BotBook,
    mark=st.just(ZERO) | marks,
    position_qty=quantities,
    avg_price=marks,
    open_orders=st.integers(0, 500),
    resting_buy_qty=quantities,
    resting_buy_value=st.integers(0, 10**7).map(D),
)


@settings(max_examples=300, deadline=None)
@given(
    intent=exits,
    book=books,
    equity=st.integers(0, 10**6).map(D),
    gross=st.integers(0, 10**7).map(D),
    pair=pair_limits,
    portfolio=portfolio_limits,
)
def test_exits_always_pass(
    intent: PlaceOrder,
    book: BotBook,
    equity: Decimal,
    gross: Decimal,
    pair: PairRiskConfig,
    portfolio: RiskConfig,
) -> None:
    verdict = review(intent, book, AccountView(equity, gross), BTCUSDT, pair, portfolio)
    assert verdict.intent is intent
    assert verdict.reason == ""
