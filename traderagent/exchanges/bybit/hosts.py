"""Where each Bybit environment serves REST, the public streams and the private stream.

Mainnet has regional sites (an account works only on the site it was registered on): Bybit's
integration guide lists their REST hosts, and its WebSocket guide the three with a stream host
of their own (Turkey, Kazakhstan, Georgia); the others stream from `stream.bybit.com`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

Environment = Literal["demo", "testnet", "mainnet", "custom"]
Region = Literal["global", "bytick", "nl", "tr", "kz", "ge", "ae", "eu", "id"]


@dataclass(frozen=True, slots=True)
class BybitHosts:
    """Base URLs of one environment. `public_ws_url` has a `{category}` (`linear`, `spot`...)."""

    rest: str
    public_ws_url: str
    private_ws: str

    def public_ws(self, category: str) -> str:
        return self.public_ws_url.replace("{category}", category)


def _site(api: str, stream: str = "stream.bybit.com") -> BybitHosts:
    return BybitHosts(
        rest=f"https://{api}",
        public_ws_url=f"wss://{stream}/v5/public/{{category}}",
        private_ws=f"wss://{stream}/v5/private",
    )


# mainnet by site: the global one, its alternative domain, and the regional ones
REGIONS: dict[str, BybitHosts] = {
    "global": _site("api.bybit.com"),
    "bytick": _site("api.bytick.com"),
    "nl": _site("api.bybit.nl"),  # Netherlands
    "tr": _site("api.bybit-tr.com", "stream.bybit-tr.com"),  # Turkey
    "kz": _site("api.bybit.kz", "stream.bybit.kz"),  # Kazakhstan
    "ge": _site("api.bybitgeorgia.ge", "stream.bybitgeorgia.ge"),  # Georgia
    "ae": _site("api.bybit.ae"),  # United Arab Emirates
    "eu": _site("api.bybit.eu"),  # EEA (Bybit: API for broker third-party apps only)
    "id": _site("api.bybit.id"),  # Indonesia
}
MAINNET = REGIONS["global"]
TESTNET = _site("api-testnet.bybit.com", "stream-testnet.bybit.com")
# demo has no public stream of its own: its market data is mainnet's (bybit_v5.md §1)
DEMO = BybitHosts(
    rest="https://api-demo.bybit.com",
    public_ws_url="wss://stream.bybit.com/v5/public/{category}",
    private_ws="wss://stream-demo.bybit.com/v5/private",
)


def custom_hosts(
    url: str, ws_public_url: str | None = None, ws_private_url: str | None = None
) -> BybitHosts:
    """Hosts of a Bybit-compatible server: REST at `url`; the streams at `ws_public_url` (a
    base such as `wss://stream.example`, to which `/v5/public/{category}` is added, or a URL
    with `{category}` in it) and `ws_private_url` (the whole URL), by default on the REST
    host and port (the emulator)."""
    parts = urlsplit(url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a custom Bybit URL must look like http://HOST:PORT, got {url!r}")
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    public = ws_public_url or f"{ws_scheme}://{parts.netloc}"
    _check_ws("ws_public_url", public)
    if "{category}" not in public:
        public = f"{public.rstrip('/')}/v5/public/{{category}}"
    private = ws_private_url or f"{ws_scheme}://{parts.netloc}/v5/private"
    _check_ws("ws_private_url", private)
    return BybitHosts(
        rest=f"{parts.scheme}://{parts.netloc}", public_ws_url=public, private_ws=private
    )


def hosts_for(
    env: Environment,
    url: str | None = None,
    *,
    region: Region = "global",
    ws_public_url: str | None = None,
    ws_private_url: str | None = None,
) -> BybitHosts:
    """The hosts of `env`. `url` (and the stream URLs) are for `custom` only and required
    there; `region` picks a mainnet site."""
    if env == "custom":
        if not url:
            raise ValueError(
                "env 'custom' needs a url (rest_url; for the emulator: http://HOST:PORT)"
            )
        if region != "global":
            raise ValueError("region is for env 'mainnet'; env 'custom' sets its own URLs")
        return custom_hosts(url, ws_public_url, ws_private_url)
    if url or ws_public_url or ws_private_url:
        raise ValueError(
            f"url, ws_public_url and ws_private_url are only used with env 'custom', not {env!r}"
        )
    if env == "mainnet":
        return REGIONS[region]
    if region != "global":
        raise ValueError(f"region {region!r} is a mainnet site; env {env!r} has none")
    return {"demo": DEMO, "testnet": TESTNET}[env]


def _check_ws(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ValueError(f"{name} must look like wss://HOST[:PORT][/PATH], got {url!r}")
