"""The account as the exchange keeps it: balances, positions, its trades since a time, and
the fee rate a buy locks."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import Balance, Fill, Position
from traderagent.exchanges.ccxt.parse import Item, parse_balances, symbol_of
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ccxt.tracker import OrderTracker
from traderagent.exchanges.ccxt.updates import UpdatePoller
from traderagent.exchanges.ports import ExchangeError

FILL_PAGES = 20
"""Pages of trades `fills_since` reads at most."""
DEFAULT_FEE_RESERVE = Decimal("0.001")
"""The fee rate reserved before any market is traded."""


async def balances(session: CcxtSession) -> dict[str, Balance]:
    try:
        return parse_balances(await session.client.fetch_balance())
    except session.errors.BaseError as err:
        raise ExchangeError(f"balances: {err}") from None


async def fills_since(
    session: CcxtSession, tracker: OrderTracker, poller: UpdatePoller, symbol: str, since_ms: int
) -> list[Fill]:
    """This account's trades on `symbol` from `since_ms` on, oldest first (paged)."""
    market = session.market_id(symbol)
    trades: dict[str, Item] = {}
    start = since_ms
    for _ in range(FILL_PAGES):
        page = await session.client.fetch_my_trades(market, since=start)
        fresh = [t for t in page if str(t["id"]) not in trades]
        for trade in fresh:
            trades[str(trade["id"])] = trade
        if not fresh:
            break
        start = max(int(t["timestamp"]) for t in fresh)
    recent = [t for t in trades.values() if t["timestamp"] >= since_ms]
    await poller.learn_orders(symbol, recent)
    fills = [tracker.fill(t, symbol) for t in recent]
    return sorted(fills, key=lambda f: (f.ts, f.fill_id))


async def positions(session: CcxtSession, symbols: list[str]) -> list[Position]:
    """Spot: base-coin holdings (qty only). Swap: the exchange's positions (signed qty)."""
    if session.config.market == "swap":
        markets = [session.market_id(s) for s in symbols]
        held = []
        for item in await session.client.fetch_positions(markets or None):
            contracts = Decimal(repr(float(item.get("contracts") or 0)))
            size = Decimal(repr(float(item.get("contractSize") or 1)))
            sign = -1 if item.get("side") == "short" else 1
            if contracts:
                market = session.client.market(item["symbol"])
                held.append(Position(symbol=symbol_of(market), qty=sign * contracts * size))
        return held
    wallet = await balances(session)
    result = []
    for name in symbols:
        base = session.instrument(name).base
        if base in wallet and wallet[base].total:
            result.append(Position(symbol=name, qty=wallet[base].total))
    return result


def fee_reserve(session: CcxtSession) -> Decimal:
    """The fee rate a buy locks on top of its notional: none where a spot buy pays its fee
    in the base it receives, else the highest taker rate of the traded markets."""
    if session.config.market == "spot" and session.caps.buy_fee_in_base:
        return Decimal(0)
    rates = [session.taker_rate(s) for s in session.instruments]
    return max(rates, default=DEFAULT_FEE_RESERVE)
