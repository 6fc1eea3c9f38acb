"""The capital allocator: each bot's budget from the shared account, and the check that keeps
committed capital within it.

A bot's committed capital is what it has put at risk in the quote asset: the cost of its
position plus the notional of its resting buy orders. A bot with a `budget_pct` may commit that
share of the account's equity; bots without one share what is left equally. Whatever the budgets
say, a buy never commits more than the account's free quote balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from traderagent.domain import Instrument, OrderType, PlaceOrder
from traderagent.domain.values import quick_init

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class Funds(Protocol):
    """The shared account as the allocator sees it (the engine implements it)."""

    @property
    def equity(self) -> Decimal: ...

    @property
    def free_quote(self) -> Decimal: ...


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
    def __init__(self, shares_pct: Mapping[str, Decimal | None]) -> None:
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

    def allow_buy(
        self,
        bot: str,
        notional: Decimal,
        *,
        committed: Decimal,
        equity: Decimal,
        free_quote: Decimal,
    ) -> Allowance:
        """How much of a buy of `notional` the bot may place, given what it has committed."""
        room = self.budget(bot, equity) - committed
        if notional <= room and notional <= free_quote:
            return Allowance(notional)
        if room <= free_quote:
            return Allowance(
                max(room, ZERO),
                f"bot budget: {committed:.2f} of {self.budget(bot, equity):.2f} committed",
            )
        return Allowance(max(free_quote, ZERO), f"account: only {free_quote:.2f} free")


def fit_buy(
    intent: PlaceOrder,
    allocator: CapitalAllocator,
    funds: Funds,
    *,
    bot: str,
    committed: Decimal,
    instrument: Instrument,
    mark: Decimal,
) -> tuple[PlaceOrder | None, str]:
    """The buy as it may be placed (maybe smaller), or None; and the reason if it was cut."""
    price = intent.price if intent.type is OrderType.LIMIT and intent.price else mark
    if price <= 0:
        return intent, ""
    allowance = allocator.allow_buy(
        bot,
        intent.qty * price,
        committed=committed,
        equity=funds.equity,
        free_quote=funds.free_quote,
    )
    if not allowance.resized:
        return intent, ""
    qty = instrument.floor_qty(allowance.notional / price)
    if instrument.check_order(instrument.round_price(price), qty) is not None:
        return None, f"no capital left for it ({allowance.reason})"
    return replace(intent, qty=qty), f"resized to {qty} ({allowance.reason})"
