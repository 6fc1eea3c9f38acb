"""Every exchange ccxt speaks, behind the `Exchange` port (spot, and linear swaps).

    exchange = CcxtExchange(CcxtConfig(exchange="binance"), ApiCredentials(key, secret))
    exchange.set_listener(on_update)     # Orders and Fills, once each, in venue order
    await exchange.connect()             # markets, capabilities, the update poller/streams
    ack = await exchange.place_order(request)   # client_order_id is sent as clientOrderId
    await exchange.close()

What an exchange can do (amend, post-only, client order ids, stop orders, private streams,
candle stream, fee coin, passphrase) is its `Capabilities`, read from ccxt's `has` and
`requiredCredentials` plus a small table of known facts (`python -m
traderagent.exchanges.ccxt.table` prints it). ccxt is an optional extra (`pip install
'traderagent[ccxt]'`): the config model imports nothing of it; the client modules do.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from traderagent.exchanges.ccxt.capabilities import Capabilities
    from traderagent.exchanges.ccxt.config import CcxtConfig
    from traderagent.exchanges.ccxt.exchange import CcxtExchange

_HOMES = {"Capabilities": "capabilities", "CcxtConfig": "config", "CcxtExchange": "exchange"}
"""Each name's module, imported on first use (a config's `CcxtConfig` must not load ccxt)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = ["Capabilities", "CcxtConfig", "CcxtExchange"]
