"""The orders a backtest's venue refused: how many, why, and each one.

An order the strategy decided but the venue (or execution's pre-check, which applies the
venue's own rules before sending) refused never trades, so a run that has them did not do what
its strategy asked. They are counted by kind of reason (`reason_kind`) for the table and
listed one by one in JSON. A fast kernel counts them by kind alone: it has no order ids or
reason texts, so `orders` is None there (unless there are none to list).

A buy the capital allocator refuses is not one of them: it was never sent (the allocator
counts what each buy of a batch locks, so it never lets through one the venue would refuse for
funds). Those are logged with their reason and counted on the bot (`allocator_refused`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from traderagent.domain import Order, OrderStatus

INSUFFICIENT = "insufficient balance"
BELOW_MINIMUM = "below the minimum size"
OFF_STEP = "off the tick or lot"
NO_PRICE = "no market price"
STOP_THROUGH = "stop already through the price"
STOP_UNCOVERED = "stop triggered, base locked"
OTHER = "other"


def reason_kind(reason: str) -> str:
    """The kind of a refusal, from the reason the venue or `Instrument.check_order` gave."""
    text = reason.lower()
    if "for a stop triggered at" in text:
        return STOP_UNCOVERED  # its bot sold at market instead: the README's rule, no fault
    if text.startswith("insufficient"):
        return INSUFFICIENT
    if "below the minimum" in text or "must be positive" in text:
        return BELOW_MINIMUM
    if "not a multiple of" in text:
        return OFF_STEP
    if text.startswith("no market price"):
        return NO_PRICE
    if "would trigger at once" in text:
        return STOP_THROUGH
    return OTHER


@dataclass(frozen=True, slots=True)
class RejectedOrder:
    """One refused order as the strategy meant it."""

    ts: int
    bot: str
    tag: str
    side: str
    qty: Decimal
    price: Decimal | None
    """The limit price; None for a market order."""
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "bot": self.bot,
            "tag": self.tag,
            "side": self.side,
            "qty": str(self.qty),
            "price": None if self.price is None else str(self.price),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RejectedOrder:
        price = data.get("price")
        return cls(
            int(data["ts"]),
            str(data["bot"]),
            str(data["tag"]),
            str(data["side"]),
            Decimal(str(data["qty"])),
            None if price is None else Decimal(str(price)),
            str(data["reason"]),
        )


@dataclass(frozen=True, slots=True)
class Rejections:
    """The refused orders of a run: the count, the count per kind of reason, and each order
    (None when the run could not list them: a fast kernel)."""

    count: int = 0
    by_reason: tuple[tuple[str, int], ...] = ()
    orders: tuple[RejectedOrder, ...] | None = field(default=())

    def describe(self) -> str:
        """`0`, or `89 (insufficient balance 89)` for the table."""
        if not self.count:
            return "0"
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in self.by_reason)
        return f"{self.count:,} ({kinds})"

    def as_json(self) -> dict[str, Any]:
        """`{"count": n, "by_reason": {kind: n}, "orders": [{ts, bot, tag, side, qty, price,
        reason}, ...] or null}`."""
        orders = None if self.orders is None else [o.as_json() for o in self.orders]
        return {"count": self.count, "by_reason": dict(self.by_reason), "orders": orders}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rejections:
        orders = data.get("orders")
        return cls(
            int(data.get("count", 0)),
            tuple((str(k), int(v)) for k, v in dict(data.get("by_reason", {})).items()),
            None if orders is None else tuple(RejectedOrder.from_json(o) for o in orders),
        )


def _by_reason(kinds: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((k, n) for k, n in kinds.items() if n), key=lambda kn: (-kn[1], kn[0])))


def rejections_of(orders: Iterable[Order]) -> Rejections:
    """The refused ones among a run's `orders`, oldest first."""
    refused = sorted(
        (o for o in orders if o.status is OrderStatus.REJECTED), key=lambda o: o.updated_ms
    )
    listed = tuple(
        RejectedOrder(
            o.updated_ms,
            o.bot,
            o.tag,
            o.side.value.lower(),
            o.qty,
            o.price,
            o.reject_reason,
        )
        for o in refused
    )
    kinds = Counter(reason_kind(o.reason) for o in listed)
    return Rejections(len(listed), _by_reason(kinds), listed)


def counted_rejections(kinds: Mapping[str, int]) -> Rejections:
    """Refusals known only by count per kind (a fast kernel's)."""
    counts = Counter({k: int(n) for k, n in kinds.items()})
    total = sum(counts.values())
    return Rejections(total, _by_reason(counts), None if total else ())
