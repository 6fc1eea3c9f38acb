"""A signed POST is built without `build_request` (the hot path): it must be the same request."""

from __future__ import annotations

import httpx
from bybit_fakes import KEY, FakeBybit, make_rest

BODY = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderLinkId": "g-1"}


async def test_a_post_is_the_request_the_client_would_build() -> None:
    rest = make_rest(FakeBybit())
    rest._http.cookies.set("__cf_bm", "abc", domain="api.test")  # noqa: SLF001 - the client's jar
    built = rest._build("POST", "/v5/order/create", BODY, auth=True)  # noqa: SLF001
    again = rest._build("POST", "/v5/order/create", BODY, auth=True)  # noqa: SLF001 - URL cached
    reference = rest._http.build_request(  # noqa: SLF001
        "POST",
        "/v5/order/create",
        content=built.content,
        headers={"Content-Type": "application/json"},
    )
    assert built.url == again.url == reference.url == httpx.URL("https://api.test/v5/order/create")
    assert built.method == "POST" and built.content == reference.content
    assert built.extensions["timeout"] == reference.extensions["timeout"]
    signing = {k for k in built.headers if k.lower().startswith("x-bapi-")}
    assert signing and all(built.headers[k] for k in signing)
    assert {k: v for k, v in built.headers.items() if k.lower() not in signing} == dict(
        reference.headers.items()
    )
    assert built.headers["X-BAPI-API-KEY"] == KEY
    await rest.close()
