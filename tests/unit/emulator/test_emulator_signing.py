"""Signatures and the time window: the doc's test vectors, 10002, 10003 and 10004."""

from __future__ import annotations

from decimal import Decimal

import pytest
from emulator_http import FixedClock, SignedClient, bundled_head, hmac_hex, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.emulator.signing import Credentials, check_ws_auth

KEY = "CFEJUGQEQPPHGOHGHM"
SECRET = "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"
PYBIT = Credentials(KEY, SECRET)

VECTORS = [  # (timestamp, payload, X-BAPI-SIGN) from bybit_v5.md "Test vectors"
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
ROUTES = {  # vector index -> (method, path) the request is sent to
    0: ("GET", "/v5/order/realtime"),
    1: ("POST", "/v5/order/cancel-all"),
    2: ("GET", "/v5/account/wallet-balance"),
    3: ("POST", "/v5/order/create"),
    4: ("GET", "/v5/account/wallet-balance"),
    5: ("POST", "/v5/order/cancel-all"),
}


def make(clock: FixedClock, credentials: Credentials = PYBIT) -> tuple[EmulatorCore, SignedClient]:
    core = EmulatorCore(
        [bundled_head(50)],
        credentials=credentials,
        wall_ms=clock,
        balances={"USDT": Decimal(1000)},
    )
    return core, in_process(core)


@pytest.mark.parametrize(("ts", "payload", "expected"), VECTORS)
def test_hmac_matches_the_documented_vectors(ts: int, payload: str, expected: str) -> None:
    assert hmac_hex(SECRET, f"{ts}{KEY}5000{payload}") == expected


def test_ws_auth_vector_and_pybit_fixture() -> None:
    ws = "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094"
    assert hmac_hex(SECRET, "GET/realtime1662350400000") == ws
    assert check_ws_auth([KEY, 1662350400000, ws], PYBIT, 1662350399000) is None
    fixture = "41a5ab59eff2a5fc34ac3fcb66df173928373d268d9f188127fc31cdc3dcb842"
    assert hmac_hex(SECRET, "12345mykey6789payload") == fixture


@pytest.mark.parametrize("index", range(len(VECTORS)))
async def test_the_emulator_accepts_the_exact_vector_requests(index: int) -> None:
    ts, payload, signature = VECTORS[index]
    method, path = ROUTES[index]
    _, client = make(FixedClock(ts + 10))
    headers = {
        "X-BAPI-API-KEY": KEY,
        "X-BAPI-TIMESTAMP": str(ts),
        "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN": signature,
    }
    if method == "GET":
        url = f"{path}?{payload}" if payload else path
        response = await client.http.get(url, headers=headers)
    else:
        headers["Content-Type"] = "application/json"
        response = await client.http.post(path, content=payload, headers=headers)
    body = response.json()
    assert body["retCode"] not in (10002, 10003, 10004), body
    if index in (2, 3):  # wallet of USDT, and the linear limit buy: both succeed
        assert body["retCode"] == 0, body
    if index == 3:
        assert body["result"]["orderLinkId"] == "test-0001"
    if index == 1:  # authentic, but option is not emulated
        assert body["retCode"] == 10001


async def test_unknown_key_is_10003() -> None:
    clock = FixedClock()
    _, client = make(clock)
    client.api_key = "NOT-THE-KEY"
    body = (await client.get("/v5/account/wallet-balance", "accountType=UNIFIED")).json()
    assert body["retCode"] == 10003
    assert body["result"] == {}


async def test_bad_signature_is_10004_and_whitespace_matters() -> None:
    clock = FixedClock()
    _, client = make(clock)
    client.api_secret = "wrong-secret"
    body = (await client.get("/v5/account/wallet-balance", "accountType=UNIFIED")).json()
    assert body["retCode"] == 10004
    assert body["retMsg"].startswith("error sign! origin_string[")
    client.api_secret = SECRET
    compact = '{"category":"linear","symbol":"BTCUSDT"}'
    headers = client.headers(compact)  # signed compact, sent with spaces
    spaced = '{"category": "linear", "symbol": "BTCUSDT"}'
    response = await client.http.post("/v5/order/cancel-all", content=spaced, headers=headers)
    assert response.json()["retCode"] == 10004
    response = await client.http.post("/v5/order/cancel-all", content=compact, headers=headers)
    assert response.json()["retCode"] == 0


@pytest.mark.parametrize(
    ("offset", "code"),
    [(-5000, 0), (-5001, 10002), (999, 0), (1000, 10002), (-60_000, 10002)],
)
async def test_timestamp_window(offset: int, code: int) -> None:
    clock = FixedClock()
    _, client = make(clock)
    query = "accountType=UNIFIED"
    headers = client.headers(query, ts=clock.now + offset)
    response = await client.http.get(f"/v5/account/wallet-balance?{query}", headers=headers)
    body = response.json()
    assert body["retCode"] == code
    if code:
        assert (
            f"req_timestamp[{clock.now + offset}],server_timestamp[{clock.now}]" in body["retMsg"]
        )
        assert "recv_window[5000]" in body["retMsg"]


async def test_a_longer_recv_window_widens_the_past_side() -> None:
    clock = FixedClock()
    _, client = make(clock)
    client.recv_window = "20000"
    headers = client.headers("accountType=UNIFIED", ts=clock.now - 15_000)
    response = await client.http.get(
        "/v5/account/wallet-balance?accountType=UNIFIED", headers=headers
    )
    assert response.json()["retCode"] == 0


def test_ws_auth_refusals() -> None:
    expires = 1_700_000_010_000
    good = hmac_hex(SECRET, f"GET/realtime{expires}")
    now = expires - 10_000
    assert check_ws_auth([KEY, expires, good], PYBIT, now) is None
    assert check_ws_auth([KEY, str(expires), good], PYBIT, now) is None
    assert check_ws_auth([KEY, expires, good], PYBIT, expires) is not None  # expired
    assert check_ws_auth(["other", expires, good], PYBIT, now) is not None
    assert check_ws_auth([KEY, expires, good[:-1] + "0"], PYBIT, now) is not None
    assert check_ws_auth([KEY, expires], PYBIT, now) == "Params Error"


def test_credentials_repr_hides_the_secret() -> None:
    assert SECRET not in repr(PYBIT)
