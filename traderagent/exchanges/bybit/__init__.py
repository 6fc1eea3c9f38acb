"""Bybit V5: REST + WebSocket client and the `Exchange` adapter built on it.

    exchange = BybitExchange(BybitConfig(env="demo"), ApiCredentials(key, secret))
    exchange.set_listener(on_update)      # Orders and Fills, once each, in venue order
    await exchange.connect()              # clock sync, instruments, private stream
    ack = await exchange.place_order(request)   # client_order_id is the orderLinkId
    async for candle in exchange.candles("BTCUSDT"):   # closed klines, gaps backfilled
        ...
    await exchange.close()

`exchange.status` says, in words, what the client is going through (rate limit, IP ban,
stream reconnecting); the same changes are logged under `traderagent.exchanges.bybit`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from traderagent.exchanges.bybit.config import BybitConfig
    from traderagent.exchanges.bybit.credentials import ApiCredentials
    from traderagent.exchanges.bybit.errors import BybitError
    from traderagent.exchanges.bybit.exchange import BybitExchange
    from traderagent.exchanges.bybit.linear import BybitLinearExchange
    from traderagent.exchanges.bybit.status import ClientStatus, Health

_HOMES = {
    "ApiCredentials": "credentials",
    "BybitConfig": "config",
    "BybitError": "errors",
    "BybitExchange": "exchange",
    "BybitLinearExchange": "linear",
    "ClientStatus": "status",
    "Health": "status",
}
"""Each name's module, imported on first use: reading a config's `BybitConfig` (every config
does) must not load the HTTP and WebSocket client (httpx, websockets)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = [
    "ApiCredentials",
    "BybitConfig",
    "BybitError",
    "BybitExchange",
    "BybitLinearExchange",
    "ClientStatus",
    "Health",
]
