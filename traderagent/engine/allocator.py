"""The capital allocator: each bot's budget from the shared account, and the check that keeps
committed capital within it.

A bot's committed capital is what it has put at risk in the quote asset: the cost of its
position plus the notional of its resting buy orders. A bot with a `budget_pct` may commit that
share of the account's equity; bots without one share what is left equally. Whatever the budgets
say, a buy never commits more than the account's free quote balance.

A buy also needs room for its fee: the venue locks `notional x (1 + fee_reserve)` of quote for
it (the paper venue's lock rate, the worst fee a fill can cost), so the allocator approves a buy
only when that much fits the budget and the free cash, and cuts it to what does. The fast
kernels' `fit_buy` applies the same rule.

The free cash is the engine's copy of the balances, refreshed only after a drain of updates; the
buys of one decision (a grid's batch at start, on resume, after a halt is acknowledged) would
each see the same copy. So each buy the allocator approves locks its cost with the funds
(`Funds.lock_quote`), and the free quote the next buy sees is that much lower until the balances
are refreshed (`BatchLocks`): a buy that no longer fits is cut or refused here, never sent to a
venue that would refuse it for funds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Protocol

from traderagent.domain import Instrument, Order, OrderType, PlaceOrder, Position, Side
from traderagent.domain.values import quick_init

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class Funds(Protocol):
    """The shared account as the allocator sees it (the engine implements it)."""

    @property
    def equity(self) -> Decimal: ...

    @property
    def free_quote(self) -> Decimal:
        """The free quote balance less what buys approved since the last refresh lock."""
        ...

    def lock_quote(self, amount: Decimal) -> None:
        """The allocator approved a buy that locks `amount` of quote at the venue."""
        ...


class BatchLocks:
    """The quote locked by the buys approved since the balances were last refreshed: reset
    when the engine's balances mapping is replaced (each refresh is a new mapping)."""

    __slots__ = ("_locked", "_seen", "approved")

    def __init__(self) -> None:
        self._seen: object = None
        self._locked = ZERO
        self.approved = ZERO
        """Every amount ever locked, summed: what was approved between two moments."""

    def locked(self, balances: object) -> Decimal:
        """What the approved buys lock that `balances` does not show yet."""
        if balances is not self._seen:
            self._seen, self._locked = balances, ZERO
        return self._locked

    def add(self, balances: object, amount: Decimal) -> None:
        self._locked = self.locked(balances) + amount
        self.approved += amount

    def carry(self, balances: object, amount: Decimal) -> None:
        """`balances` were read before buys locking `amount` were approved: they stay locked
        on top of them (a read taken off the hot path, `balance_sync`)."""
        self._seen, self._locked = balances, amount


class AllocationError(ValueError):
    """The configured shares cannot be honoured (they add up to more than the account)."""


@quick_init
@dataclass(frozen=True, slots=True)
class Allowance:
    """The answer for one buy: the notional allowed (maybe less than asked) and, if it was cut,
    why."""

    notional: Decimal
    reason: str = ""

    @property
    def resized(self) -> bool:
        return bool(self.reason)


class CapitalAllocator:
    def __init__(
        self, shares_pct: Mapping[str, Decimal | None], fee_reserve: Decimal = ZERO
    ) -> None:
        if fee_reserve < 0:
            raise AllocationError(f"the fee reserve {fee_reserve} is negative")
        self.fee_reserve = fee_reserve
        """Fee rate reserved on top of a buy's notional (the venue locks it with the buy)."""
        fixed = {bot: pct for bot, pct in shares_pct.items() if pct is not None}
        total = sum(fixed.values(), ZERO)
        if total > HUNDRED:
            raise AllocationError(f"budget_pct of the bots adds up to {total}%, more than 100%")
        floating = [bot for bot, pct in shares_pct.items() if pct is None]
        rest = (HUNDRED - total) / len(floating) if floating else ZERO
        self.shares: dict[str, Decimal] = {
            bot: (pct if pct is not None else rest) / HUNDRED for bot, pct in shares_pct.items()
        }

    def budget(self, bot: str, equity: Decimal) -> Decimal:
        """The quote capital `bot` may commit when the account is worth `equity`."""
        return equity * self.shares.get(bot, ZERO)

    def cost_rate(self, leverage: Decimal | None = None) -> Decimal:
        """What an order locks per unit of notional: all of it (spot) or its margin (1 /
        `leverage`), and the fee reserve."""
        return (1 if leverage is None else 1 / leverage) + self.fee_reserve

    def allow_buy(
        self,
        bot: str,
        notional: Decimal,
        *,
        committed: Decimal,
        equity: Decimal,
        free_quote: Decimal,
        leverage: Decimal | None = None,
    ) -> Allowance:
        """How much of a buy of `notional` the bot may place, given what it has committed:
        the notional whose cost with the fee reserved fits both its budget and the free cash.
        With `leverage` (a perpetual's opening order, either side) the cost is its margin,
        `notional / leverage`, plus the fee reserved on the notional."""
        room = self.budget(bot, equity) - committed
        factor = self.cost_rate(leverage)
        cost = notional * factor
        if cost <= room and cost <= free_quote:
            return Allowance(notional)
        fee_note = (
            f", {(self.fee_reserve * 100).normalize():f}% fee reserved" if self.fee_reserve else ""
        )
        if room <= free_quote:
            return Allowance(
                _net_of(max(room, ZERO), factor),
                f"bot budget: {committed:.2f} of {self.budget(bot, equity):.2f} committed"
                + fee_note,
            )
        return Allowance(
            _net_of(max(free_quote, ZERO), factor), f"account: only {free_quote:.2f} free{fee_note}"
        )


def _net_of(available: Decimal, factor: Decimal) -> Decimal:
    """The notional whose cost `notional x factor` is at most `available` (rounded down)."""
    with localcontext() as ctx:
        ctx.rounding = ROUND_DOWN
        return available / factor


def fit_buy(
    intent: PlaceOrder,
    allocator: CapitalAllocator,
    funds: Funds,
    *,
    bot: str,
    committed: Decimal,
    instrument: Instrument,
    mark: Decimal,
    leverage: Decimal | None = None,
    closing: Decimal = ZERO,
) -> tuple[PlaceOrder | None, str]:
    """The buy as it may be placed (maybe smaller), or None; and the reason if it was cut.
    An approved buy locks its cost (notional x (1 + fee reserve)) with `funds`: the next buy
    of the same batch sees that much less free quote. With `leverage` (a perpetual), the
    order is either side: the `closing` qty of it (what reduces the position) needs no
    capital, the rest is budgeted by its margin (`CapitalAllocator.cost_rate`)."""
    price = intent.price if intent.type is OrderType.LIMIT and intent.price else mark
    if price <= 0:
        return intent, ""
    rate = allocator.cost_rate(leverage)
    opening = intent.qty - closing if closing else intent.qty
    allowance = allocator.allow_buy(
        bot,
        opening * price,
        committed=committed,
        equity=funds.equity,
        free_quote=funds.free_quote,
        leverage=leverage,
    )
    if not allowance.resized:
        funds.lock_quote(opening * price * rate)
        return intent, ""
    qty = instrument.floor_qty(allowance.notional / price)
    if instrument.check_order(instrument.round_price(price), closing + qty) is not None:
        return None, f"no capital left for it ({allowance.reason})"
    funds.lock_quote(qty * price * rate)
    qty = qty + closing if closing else qty
    return replace(intent, qty=qty), f"resized to {qty} ({allowance.reason})"


def margin_committed(position: Position, orders: Iterable[Order], leverage: Decimal) -> Decimal:
    """A perpetual bot's capital at risk: the initial margin of its position (`|qty| x avg /
    leverage`) and of its resting orders that open (on the position's side, either from
    flat), each at its price."""
    qty = position.qty
    notional = abs(qty) * position.avg_price
    for order in orders:
        if order.price is not None and (not qty or (order.side is Side.BUY) == (qty > 0)):
            notional += (order.qty - order.filled_qty) * order.price
    return notional / leverage
