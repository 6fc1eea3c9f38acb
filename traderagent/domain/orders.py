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
    reduce_only: bool = False
    """Only reduce the position (a perpetual's): refused with nothing to close, cut to it."""


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
    """One execution. The fee is charged in `fee_asset`: on spot a buy pays it in the base coin
    (it receives `qty - fee`) and a sell in the quote coin, as Bybit charges it."""

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

    @property
    def fee_in_base(self) -> bool:
        """Whether the fee was taken in the base coin: a symbol is base + quote, so a fee coin
        the symbol does not end with is its base (a Bybit spot buy pays BTC on BTCUSDT)."""
        return bool(self.fee_asset) and not self.symbol.endswith(self.fee_asset)

    @property
    def base_qty(self) -> Decimal:
        """Base the fill moved: a buy credits `qty` less a base fee, a sell debits `qty` plus
        one. What a position or a strategy holds after it (the credited quantity)."""
        if not self.fee_in_base:
            return self.qty
        return self.qty - self.fee if self.side is Side.BUY else self.qty + self.fee

    @property
    def fee_value(self) -> Decimal:
        """The fee in the quote asset: a base-coin fee valued at the fill price, exactly."""
        return self.fee * self.price if self.fee_in_base else self.fee


@dataclass(frozen=True, slots=True)
class FundingFee:
    """A funding settlement of a perpetual position: `amount` of `asset` paid by the account
    (negative: received), `rate` x `position_qty` x the mark price."""

    funding_id: str
    symbol: str
    position_side: Side
    position_qty: Decimal
    rate: Decimal
    amount: Decimal
    asset: str
    ts: int
    bot: str = ""
    """The bot a share of a settlement is booked to ("" for the venue's whole settlement)."""
