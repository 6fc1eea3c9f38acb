"""The ccxt client of one exchange, configured: keys, sandbox, market type, timeouts.

ccxt is imported here, when a venue is built, never by reading a config: a lean install
without it gets one line that says how to add it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.ccxt.capabilities import Capabilities
from traderagent.exchanges.ccxt.config import INSTALL_HINT, CcxtConfig
from traderagent.exchanges.ports import ExchangeError


class CredentialsIncomplete(ExchangeError):
    """The exchange requires a credential the key pair lacks (OKX's passphrase)."""

    def __init__(self, message: str, *, passphrase: bool = False) -> None:
        super().__init__(message)
        self.passphrase = passphrase
        """What is missing is the passphrase (a stored key pair can hold one)."""


def ccxt_module(name: str = "ccxt.async_support") -> ModuleType:
    """`ccxt.async_support` (or `ccxt.pro`), or an ExchangeError saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ExchangeError(INSTALL_HINT) from None


def exchange_class(exchange_id: str, streams: bool) -> Any:
    """ccxt.pro's class when streams are wanted and ccxt.pro has the exchange, else the REST
    one. ExchangeError naming the id when ccxt does not know it."""
    if streams:
        pro = ccxt_module("ccxt.pro")
        if exchange_id in getattr(pro, "exchanges", ()):
            return getattr(pro, exchange_id)
    rest = ccxt_module()
    if exchange_id not in rest.exchanges:
        raise ExchangeError(f"ccxt has no exchange {exchange_id!r} (see ccxt.exchanges)")
    return getattr(rest, exchange_id)


def make_client(config: CcxtConfig, credentials: ApiCredentials | None) -> Any:
    """A ccxt exchange object for `config` (not yet connected: `load_markets` is the caller's)."""
    options: dict[str, Any] = {
        "enableRateLimit": config.throttle,
        "timeout": int(config.timeout_s * 1000),
        "options": {"defaultType": config.market},
    }
    if credentials is not None:
        options["apiKey"] = credentials.api_key
        options["secret"] = credentials.api_secret
        if credentials.passphrase is not None:
            options["password"] = credentials.passphrase
    client = exchange_class(config.exchange, config.streams)(options)
    if config.sandbox:
        try:
            client.set_sandbox_mode(True)
        except Exception as err:  # ccxt raises NotSupported when there is no test network
            raise ExchangeError(f"{config.exchange} has no sandbox in ccxt: {err}") from None
    if config.url is not None:
        point_at(client, config.url)
    return client


def check_credentials(caps: Capabilities, credentials: ApiCredentials) -> None:
    """CredentialsIncomplete if the exchange requires what `credentials` does not hold (as
    ccxt's `requiredCredentials` says): refused before any request, in one line."""
    if caps.unsupported_credentials:
        wanted = ", ".join(caps.unsupported_credentials)
        raise CredentialsIncomplete(
            f"{caps.exchange} requires {wanted} with its API key, which this venue cannot send"
        )
    if caps.passphrase and credentials.passphrase is None:
        raise CredentialsIncomplete(
            f"{caps.exchange} requires an API passphrase with the key and secret, and the "
            "key pair has none",
            passphrase=True,
        )


def point_at(client: Any, url: str) -> None:
    """Send every REST request of `client` to `url` (a compatible server, e.g. the emulator),
    and every stream to the same host and port, on the stream's own path (`ws://` for an
    `http://` server)."""
    api = client.urls.get("api")
    if isinstance(api, dict):
        _repoint(api, url)
    else:
        client.urls["api"] = url


def _repoint(urls: dict[str, Any], url: str) -> None:
    parts = urlsplit(url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    for key, value in list(urls.items()):
        if isinstance(value, dict):
            _repoint(value, url)
        elif isinstance(value, str) and value.startswith(("ws://", "wss://")):
            path = urlsplit(value.replace("{hostname}", "host")).path
            urls[key] = urlunsplit((ws_scheme, parts.netloc, path, "", ""))
        elif isinstance(value, str):
            urls[key] = url
