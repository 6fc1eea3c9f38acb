"""The signature test vectors of bybit_v5.md, and that requests sign the bytes they send."""

from __future__ import annotations

import pytest
from bybit_fakes import CREDS, KEY, SECRET, FakeBybit, make_rest

from traderagent.exchanges.bybit.signing import (
    PostSigner,
    hmac_hex,
    rest_head,
    rest_headers,
    rest_signature,
    ws_auth_args,
)

VECTORS = [
    (
        1658384314791,
        "category=option&symbol=BTC-29JUL22-25000-C",
        "0bfc5f1d29d38ee7f4d451a9f265f4c3b5a57119d175917df05068384d7955c7",
    ),
    (
        1658385579423,
        '{"category": "option"}',
        "7da1f1187f9d354ada1258023a22d9aef67163261c0d42ad52bb27cc30a3fc0d",
    ),
    (
        1672125440406,
        "accountType=UNIFIED&coin=USDT",
        "b0b8437952152bcf63072de1475c29aa7709b3865c34074d1e20919c25a2763a",
    ),
    (
        1672211928338,
        '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001",'
        '"price":"10000","timeInForce":"GTC","orderLinkId":"test-0001","positionIdx":0}',
        "3f121d1a70f80d8b418c6724674d2c80d79eeac7fc304dc4ad8fa9d30b897b28",
    ),
    (1688639403423, "", "bb2a8023246e43e544ac6f6a2f360f1192bd1778afec7ebc3c9e7726862c30a6"),
    (
        1658385579423,
        '{"category":"option"}',
        "5518570b0b5e056a33819f2991eb3a74c7b6f6d2ad81a4da1b309da2982079fa",
    ),
]


@pytest.mark.parametrize(("timestamp", "payload", "expected"), VECTORS)
def test_rest_signature_vectors(timestamp: int, payload: str, expected: str) -> None:
    assert rest_signature(CREDS, timestamp, 5000, payload) == expected


def test_string_to_sign_is_timestamp_key_window_payload() -> None:
    full = "1658384314791CFEJUGQEQPPHGOHGHM5000category=option&symbol=BTC-29JUL22-25000-C"
    assert hmac_hex(SECRET, full) == VECTORS[0][2]
    assert hmac_hex(SECRET, "12345mykey6789payload") == (
        "41a5ab59eff2a5fc34ac3fcb66df173928373d268d9f188127fc31cdc3dcb842"
    )


def test_whitespace_in_the_body_changes_the_signature() -> None:
    assert VECTORS[1][2] != VECTORS[5][2]


def test_ws_auth_vector() -> None:
    args = ws_auth_args(CREDS, 1662350400000)
    assert args == [
        KEY,
        1662350400000,
        "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094",
    ]


def test_headers_carry_key_timestamp_window_and_signature() -> None:
    headers = rest_headers(CREDS, 1672125440406, 5000, "accountType=UNIFIED&coin=USDT")
    assert headers["X-BAPI-API-KEY"] == KEY
    assert headers["X-BAPI-TIMESTAMP"] == "1672125440406"
    assert headers["X-BAPI-RECV-WINDOW"] == "5000"
    assert headers["X-BAPI-SIGN"] == VECTORS[2][2]


@pytest.mark.parametrize(("timestamp", "payload", "expected"), VECTORS)
def test_a_post_s_byte_headers_sign_its_body_as_the_vectors(
    timestamp: int, payload: str, expected: str
) -> None:
    head = dict(rest_head(CREDS, timestamp, 5000, payload.encode()))
    assert head[b"X-BAPI-SIGN"] == expected.encode()
    texts = {
        k.encode(): v.encode() for k, v in rest_headers(CREDS, timestamp, 5000, payload).items()
    }
    assert head == texts  # the same five headers as the GET path's


@pytest.mark.parametrize(("timestamp", "payload", "expected"), VECTORS)
def test_the_post_signer_makes_the_same_bytes_as_rest_head(
    timestamp: int, payload: str, expected: str
) -> None:
    """One signer for many requests (its HMAC copied per request): every request's headers
    the vectors' own, in the same order, whatever was signed before or with another window."""
    signer = PostSigner(CREDS)
    for window in (5000, 7500, 5000):
        signer.head(timestamp - 1, window, b'{"other":"body"}')
        head = signer.head(timestamp, window, payload.encode())
        assert head == rest_head(CREDS, timestamp, window, payload.encode())
        if window == 5000:
            assert dict(head)[b"X-BAPI-SIGN"] == expected.encode()


async def test_get_signs_the_query_exactly_as_sent() -> None:
    fake = FakeBybit()
    fake.routes[("GET", "/v5/account/wallet-balance")] = lambda call: {"list": []}
    rest = make_rest(fake)
    await rest.call(
        "GET",
        "/v5/account/wallet-balance",
        {"accountType": "UNIFIED", "coin": "USDT,USDC"},
        auth=True,
    )
    await rest.close()
    sent = fake.calls[0].request
    assert fake.bad_signatures == 0
    assert sent.url.query.decode() == "accountType=UNIFIED&coin=USDT%2CUSDC"
    assert "X-BAPI-SIGN" in sent.headers


async def test_post_signs_the_exact_body_bytes() -> None:
    fake = FakeBybit()
    fake.routes[("POST", "/v5/order/cancel")] = lambda call: {"orderId": "1", "orderLinkId": "a"}
    rest = make_rest(fake)
    body = {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "a", "price": None}
    await rest.call("POST", "/v5/order/cancel", body, auth=True)
    await rest.close()
    sent = fake.calls[0].request
    assert sent.content == b'{"category":"linear","symbol":"BTCUSDT","orderLinkId":"a"}'
    assert fake.bad_signatures == 0
    assert sent.headers["Content-Type"] == "application/json"


async def test_timestamp_follows_the_server_clock() -> None:
    fake = FakeBybit()
    fake.routes[("GET", "/v5/market/time")] = lambda call: {
        "timeSecond": "1700000005",
        "timeNano": "1700000005000000000",
    }
    rest = make_rest(fake)  # local clock at 1_700_000_000 s: the server is 5 s ahead
    assert await rest.sync_time() == 5_000
    assert rest.now_ms() == 1_700_000_005_000
    await rest.close()
