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

from traderagent.exchanges.bybit.config import BybitConfig
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.bybit.errors import BybitError
from traderagent.exchanges.bybit.exchange import BybitExchange
from traderagent.exchanges.bybit.status import ClientStatus, Health

__all__ = [
    "ApiCredentials",
    "BybitConfig",
    "BybitError",
    "BybitExchange",
    "ClientStatus",
    "Health",
]
