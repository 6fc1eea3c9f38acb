"""Orders, order requests and fills. Money is `Decimal`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain.enums import Liquidity, OrderStatus, OrderType, Side
from traderagent.domain.values import quick_init

ZERO = Decimal(0)


@quick_init
@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the engine asks an exchange to do; already quantised to the instrument."""

    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    bot: str = ""
    tag: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange last reported it. Immutable: updates are new values."""

    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None
    status: OrderStatus
    created_ms: int
    updated_ms: int
    filled_qty: Decimal = ZERO
    avg_fill_price: Decimal | None = None
    exchange_order_id: str = ""
    reject_reason: str = ""
    bot: str = ""
    tag: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @classmethod
    def from_request(
        cls, req: OrderRequest, status: OrderStatus, now_ms: int, reason: str = ""
    ) -> Order:
        r = req  # positional: a replay builds one per order placed
        return cls(
            r.client_order_id,
            r.symbol,
            r.side,
            r.type,
            r.qty,
            r.price,
            status,
            now_ms,
            now_ms,
            ZERO,
            None,
            "",
            reason,
            r.bot,
            r.tag,
        )


@quick_init
@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. The fee is charged in `fee_asset` (the quote asset on the paper exchange)."""

    fill_id: str
    client_order_id: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    ts: int
    bot: str = ""
    tag: str = ""

    @property
    def notional(self) -> Decimal:
        return self.price * self.qty
