"""Where each Bybit environment serves REST, the public streams and the private stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

Environment = Literal["demo", "testnet", "mainnet", "custom"]


@dataclass(frozen=True, slots=True)
class BybitHosts:
    """Base URLs of one environment. `public_ws` takes the category (`linear`, `spot`...)."""

    rest: str
    public_ws_base: str
    private_ws: str

    def public_ws(self, category: str) -> str:
        return f"{self.public_ws_base}/v5/public/{category}"


MAINNET = BybitHosts(
    rest="https://api.bybit.com",
    public_ws_base="wss://stream.bybit.com",
    private_ws="wss://stream.bybit.com/v5/private",
)
TESTNET = BybitHosts(
    rest="https://api-testnet.bybit.com",
    public_ws_base="wss://stream-testnet.bybit.com",
    private_ws="wss://stream-testnet.bybit.com/v5/private",
)
# demo has no public stream of its own: its market data is mainnet's (bybit_v5.md §1)
DEMO = BybitHosts(
    rest="https://api-demo.bybit.com",
    public_ws_base="wss://stream.bybit.com",
    private_ws="wss://stream-demo.bybit.com/v5/private",
)


def custom_hosts(url: str) -> BybitHosts:
    """Hosts of a Bybit-compatible server at `url` (the emulator): REST at the URL itself,
    streams at the same host and port under `/v5/public/{category}` and `/v5/private`."""
    parts = urlsplit(url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a custom Bybit URL must look like http://HOST:PORT, got {url!r}")
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return BybitHosts(
        rest=f"{parts.scheme}://{parts.netloc}",
        public_ws_base=f"{ws_scheme}://{parts.netloc}",
        private_ws=f"{ws_scheme}://{parts.netloc}/v5/private",
    )


def hosts_for(env: Environment, url: str | None = None) -> BybitHosts:
    """The hosts of `env`; `url` is required for `custom` and refused otherwise."""
    if env == "custom":
        if not url:
            raise ValueError("env 'custom' needs a url (for the emulator: http://HOST:PORT)")
        return custom_hosts(url)
    if url:
        raise ValueError(f"url is only used with env 'custom', not {env!r}")
    return {"demo": DEMO, "testnet": TESTNET, "mainnet": MAINNET}[env]
