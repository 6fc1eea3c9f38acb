"""The Exchange protocol: the one surface the engine trades through (paper, Bybit, emulator)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Protocol, runtime_checkable

from traderagent.domain import (
    Balance,
    Candle,
    Fill,
    FundingFee,
    Instrument,
    Order,
    OrderRequest,
    Position,
)

ExchangeUpdate = Order | Fill
UpdateListener = Callable[[ExchangeUpdate], None]


class ExchangeError(Exception):
    """A request the exchange could not serve (network, auth, unknown symbol...)."""


class OrderFateUnknown(ExchangeError):
    """A create may or may not have placed the order: its answer was lost and the exchange
    could not yet say whether it has an order of this client order id. The order is neither
    open nor rejected until the exchange answers for that id (`get_order`)."""

    def __init__(self, client_order_id: str, reason: str) -> None:
        super().__init__(f"order {client_order_id}: fate unknown ({reason})")
        self.client_order_id = client_order_id
        self.reason = reason


@runtime_checkable
class Exchange(Protocol):
    """Order entry and account state of one venue account.

    Requests return the exchange's acknowledgement; every state change after it (fills, and
    cancels, whether asked for or by the venue) also arrives through the listener, in the order
    the venue produced them.
    """

    name: str

    def set_listener(self, listener: UpdateListener) -> None: ...

    async def instrument(self, symbol: str) -> Instrument: ...

    async def place_order(self, request: OrderRequest) -> Order: ...

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None: ...

    async def cancel_all(self, symbol: str) -> list[Order]: ...

    async def get_order(self, symbol: str, client_order_id: str) -> Order | None: ...

    async def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def balances(self) -> dict[str, Balance]: ...

    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        """This account's executions on `symbol` at or after `since_ms`, oldest first (what
        recovery reads to learn the fills that happened while the engine was down)."""
        ...

    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Non-zero holdings (spot: base coin, qty only) or positions (linear, signed qty)."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class ReportsStatus(Protocol):
    """A venue that can say what its connection is going through (rate limits, reconnects)."""

    @property
    def status_line(self) -> str:
        """'' when all is well; otherwise one line for the operator."""
        ...


FundingListener = Callable[[FundingFee], None]
Deliverer = Callable[[], Awaitable[None]]


@runtime_checkable
class DeliversInline(Protocol):
    """A venue whose stream reader, having handed a frame's updates to the listener, awaits
    `deliverer` before it reads on: an idle engine routes them then, before the next frame
    (Bybit's private stream)."""

    def set_deliverer(self, deliverer: Deliverer) -> None: ...


@runtime_checkable
class FundingSource(Protocol):
    """A venue of perpetuals that reports funding settlements, each once (Bybit linear)."""

    def set_funding_listener(self, listener: FundingListener) -> None:
        """Call `listener` with each settlement, those heard before it was set first."""
        ...


@runtime_checkable
class MarginAccount(Protocol):
    """A venue whose positions are held on margin (perpetuals): their unrealised PnL is part
    of the account's equity but of no balance (the wallet holds only realised money)."""

    def unrealised_pnl(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The open positions' unrealised PnL at `prices` (symbol -> price), in the quote."""
        ...


@runtime_checkable
class Perpetual(Protocol):
    """A one-way perpetual venue (linear): a bot's position there is signed (a short is
    negative), an opening order is budgeted by its margin, and a close is reduce-only."""

    def leverage_of(self, symbol: str) -> Decimal:
        """The leverage `symbol`'s position and orders are margined at."""
        ...


def market_of(exchange: object) -> str:
    """The market a bot trades on `exchange`: `linear` on a perpetual venue, else `spot`."""
    return "linear" if isinstance(exchange, Perpetual) else "spot"


@runtime_checkable
class LiquidationQuote(Protocol):
    """A margin venue that tells where an open position would be liquidated."""

    def liquidation_price(self, symbol: str) -> Decimal | None:
        """The mark at which `symbol`'s position is liquidated; None when flat."""
        ...


@runtime_checkable
class CandleMatched(Protocol):
    """A simulated venue that matches resting orders against each closed candle (paper)."""

    def on_candle(self, candle: Candle) -> None: ...

    def walk(self, candle: Candle) -> Iterable[None]:
        """`on_candle`, pausing after each fill: the updates it sent are routed and acted on
        (cancels included) at that point of the candle's path before the walk goes on."""
        ...

    def last_price(self, symbol: str) -> float | None: ...


@runtime_checkable
class PersistedBook(Protocol):
    """A simulated venue that keeps its own book (orders, balances, executions) in storage.

    The engine calls `persist` before it lets the journal learn of anything the venue did, so
    the venue's stored book is never behind the journal: after a crash the venue is whatever
    it was, as a real exchange would be.
    """

    def unsaved(self, update: ExchangeUpdate) -> bool:
        """Whether the stored book lacks this update yet (persist before journalling it)."""
        ...

    async def persist(self, force: bool = False) -> None:
        """Write what changed since the last write; `force` writes the market mark too."""
        ...
