"""pybit, Bybit's official SDK, unmodified, against the emulator: HTTP and WebSocket.

HTTP reaches the emulator by setting the session's `endpoint`; the WebSocket class builds its
URL from the module's `PUBLIC_WSS`/`PRIVATE_WSS` templates, which point at the emulator for the
duration of the module. pybit raises on any non-zero retCode, so every call that returns
succeeded. The emulator runs on its own thread (pybit blocks), one per module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from emulator_thread import EmulatorThread

from traderagent.marketdata import load_bundled

pybit = pytest.importorskip("pybit.unified_trading")
WAIT_S = 60.0
"""Bound on every wait for the emulator through pybit (generous: two suites may share 2 cores)."""


@pytest.fixture(scope="module")
def venue() -> Iterator[EmulatorThread]:
    # Bybit answers over a network: pybit 5.x records a subscription only after sending it,
    # so an ack on loopback in microseconds can beat it (KeyError in pybit's socket thread,
    # which then dies); a network's latency keeps pybit's own race from deciding the test
    thread = EmulatorThread(
        load_bundled().head(400), warmup=300, balances={"USDT": 100_000}, faults="latency=100ms"
    )
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def http(venue: EmulatorThread) -> Any:
    emu = venue.emulator
    session = pybit.HTTP(testnet=False, api_key=emu.api_key, api_secret=emu.api_secret)
    session.endpoint = emu.rest_url
    return session


@pytest.fixture(scope="module")
def ws_urls(venue: EmulatorThread) -> Iterator[None]:
    base = venue.emulator.rest_url.replace("http://", "ws://")
    saved = pybit.PUBLIC_WSS, pybit.PRIVATE_WSS
    pybit.PUBLIC_WSS = base + "/v5/public/{CHANNEL_TYPE}"
    pybit.PRIVATE_WSS = base + "/v5/private"
    yield
    pybit.PUBLIC_WSS, pybit.PRIVATE_WSS = saved


class Inbox:
    """Messages a pybit callback received, and a bounded wait for one that matches."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(message)

    def wait_for(self, match: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.messages if match(m)]
            if found:
                return found[0]
            time.sleep(0.01)
        raise AssertionError(f"{what} did not arrive within {WAIT_S} s")


def subscribe(*calls: Callable[[], None]) -> None:
    """Make pybit's subscription calls in a thread of their own, bounded: pybit waits for its
    socket without end (`while not self.is_connected(): sleep`), and once its socket thread has
    died (an exception in a callback ends it) a test would hang the whole run instead of
    failing."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            for call in calls:
                call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    worker = threading.Thread(target=run, name="pybit-subscribe", daemon=True)
    worker.start()
    worker.join(WAIT_S)
    assert not worker.is_alive(), f"pybit's WebSocket was not connected within {WAIT_S} s"
    if failures:
        raise failures[0]


def last(http: Any, category: str = "linear") -> float:
    ticker = http.get_tickers(category=category, symbol="BTCUSDT")["result"]["list"][0]
    return float(ticker["lastPrice"])


def test_market_data(http: Any) -> None:
    assert http.get_server_time()["retCode"] == 0
    info = http.get_instruments_info(category="linear", symbol="BTCUSDT")["result"]["list"][0]
    assert info["priceFilter"]["tickSize"] == "0.10"
    rows = http.get_kline(category="linear", symbol="BTCUSDT", interval="1", limit=3)
    assert len(rows["result"]["list"]) == 3
    monthly = http.get_kline(category="spot", symbol="BTCUSDT", interval="M")["result"]["list"]
    assert len(monthly) == 1 and monthly[0][0] == "1677628800000"  # 2023-03-01 UTC
    marks = http.get_mark_price_kline(category="linear", symbol="BTCUSDT", interval="5", limit=2)
    assert [len(r) for r in marks["result"]["list"]] == [5, 5]
    book = http.get_orderbook(category="linear", symbol="BTCUSDT", limit=50)["result"]
    assert len(book["b"]) == len(book["a"]) == 50


def test_account_facts(http: Any) -> None:
    assert http.get_wallet_balance(accountType="UNIFIED")["result"]["list"][0]["coin"]
    assert http.get_account_info()["result"]["unifiedMarginStatus"] == 6
    assert http.get_api_key_information()["result"]["readOnly"] == 0
    assert http.get_coin_info()["result"]["rows"]
    fees = http.get_fee_rates(category="linear", symbol="BTCUSDT")["result"]["list"]
    assert fees == [{"symbol": "BTCUSDT", "takerFeeRate": "0.00055", "makerFeeRate": "0.0002"}]


def test_order_lifecycle_and_batches(http: Any) -> None:
    price = f"{round(last(http) * 0.9, 1)}"
    placed = http.place_order(
        category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit", qty="0.001",
        price=price, orderLinkId="pybit-1",
    )  # fmt: skip
    order_id = placed["result"]["orderId"]
    http.amend_order(category="linear", symbol="BTCUSDT", orderId=order_id, qty="0.002")
    (order,) = http.get_open_orders(category="linear", symbol="BTCUSDT", orderId=order_id)[
        "result"
    ]["list"]
    assert (order["qty"], order["price"], order["orderStatus"]) == ("0.002", price, "New")
    http.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="pybit-1")
    batch = [
        {"symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.001", "price": price}
        for _ in range(2)
    ] + [{"symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": 0.001, "price": price}]
    placed = http.place_batch_order(category="linear", request=batch)
    codes = [c["code"] for c in placed["retExtInfo"]["list"]]
    assert codes == [0, 0, 10001]  # a qty sent as a number is refused, the others are not
    ids = [i["orderId"] for i in placed["result"]["list"][:2]]
    amends = [{"symbol": "BTCUSDT", "orderId": i, "qty": "0.003"} for i in ids]
    http.amend_batch_order(category="linear", request=amends)
    cancels = [{"symbol": "BTCUSDT", "orderId": i} for i in ids]
    cancelled = http.cancel_batch_order(category="linear", request=cancels)
    assert [c["code"] for c in cancelled["retExtInfo"]["list"]] == [0, 0]
    history = http.get_order_history(category="linear", symbol="BTCUSDT")["result"]["list"]
    assert {o["orderId"]: o["qty"] for o in history if o["orderId"] in ids} == dict.fromkeys(
        ids, "0.003"
    )


def test_public_streams(http: Any, venue: EmulatorThread, ws_urls: None) -> None:
    inbox = Inbox()
    ws = pybit.WebSocket(testnet=False, channel_type="linear")
    try:
        subscribe(
            lambda: ws.orderbook_stream(50, "BTCUSDT", inbox),
            lambda: ws.trade_stream("BTCUSDT", inbox),
            lambda: ws.ticker_stream("BTCUSDT", inbox),
            lambda: ws.kline_stream(1, "BTCUSDT", inbox),
        )
        first = inbox.wait_for(lambda m: m["topic"] == "orderbook.50.BTCUSDT", "the book")
        first_u = first["data"]["u"]  # pybit hands out its live book: keep the number
        venue.step(1)
        trade = inbox.wait_for(lambda m: m["topic"] == "publicTrade.BTCUSDT", "a public trade")
        assert trade["data"][0]["s"] == "BTCUSDT"
        inbox.wait_for(lambda m: m["topic"] == "kline.1.BTCUSDT", "a kline")
        # pybit merges the deltas into its own book: it must equal the emulator's
        merged = inbox.wait_for(
            lambda m: m["topic"] == "orderbook.50.BTCUSDT" and m["data"]["u"] > first_u,
            "the book's next delta",
        )
        book = http.get_orderbook(category="linear", symbol="BTCUSDT", limit=50)["result"]
        for side in ("b", "a"):
            assert sorted(map(tuple, merged["data"][side])) == sorted(map(tuple, book[side]))
    finally:
        ws.exit()


def test_private_streams(http: Any, venue: EmulatorThread, ws_urls: None) -> None:
    emu = venue.emulator
    inbox = Inbox()
    ws = pybit.WebSocket(
        testnet=False, channel_type="private", api_key=emu.api_key, api_secret=emu.api_secret
    )
    try:
        streams = (ws.order_stream, ws.execution_stream, ws.position_stream, ws.wallet_stream)
        subscribe(*(lambda s=stream: s(inbox) for stream in streams))
        # pybit does not wait for its subscriptions' acks: wait until the emulator has them
        feed = emu.core.feed
        deadline = time.monotonic() + WAIT_S
        while not venue.call(lambda: any(len(c.topics) == 4 for c in feed.connections)):
            assert time.monotonic() < deadline, "the private subscriptions did not arrive"
            time.sleep(0.01)
        http.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.001"
        )
        venue.step(1)
        for topic in ("order", "execution", "position", "wallet"):
            inbox.wait_for(lambda m, t=topic: m.get("topic") == t, f"a {topic} push")
        filled = inbox.wait_for(
            lambda m: m["topic"] == "order" and m["data"][0]["orderStatus"] == "Filled",
            "the fill",
        )
        assert filled["data"][0]["cumExecQty"] == "0.001"
    finally:
        ws.exit()


def test_closed_pnl_and_transaction_log(http: Any, venue: EmulatorThread) -> None:
    market = {"category": "linear", "symbol": "BTCUSDT", "orderType": "Market", "qty": "0.001"}
    http.place_order(**market, side="Buy")
    venue.step(1)
    closing = http.place_order(**market, side="Sell")["result"]["orderId"]
    venue.step(1)
    records = http.get_closed_pnl(category="linear", symbol="BTCUSDT")["result"]["list"]
    (record,) = [r for r in records if r["orderId"] == closing]
    assert (record["side"], record["closedSize"], record["execType"]) == ("Sell", "0.001", "Trade")
    assert float(record["openFee"]) > 0 and float(record["closeFee"]) > 0
    log = http.get_transaction_log(accountType="UNIFIED", category="linear", currency="USDT")
    entries = log["result"]["list"]
    assert entries and {e["type"] for e in entries} == {"TRADE"}
    assert closing in {e["orderId"] for e in entries}


def test_leverage_positions_executions_and_cancel_all(http: Any, venue: EmulatorThread) -> None:
    http.set_leverage(category="linear", symbol="BTCUSDT", buyLeverage="5", sellLeverage="5")
    market = {"category": "linear", "symbol": "BTCUSDT", "orderType": "Market", "qty": "0.002"}
    order_id = http.place_order(**market, side="Buy")["result"]["orderId"]
    venue.step(1)
    fills = http.get_executions(category="linear", symbol="BTCUSDT", orderId=order_id)["result"]
    assert sum(Decimal(f["execQty"]) for f in fills["list"]) == Decimal("0.002")
    (position,) = http.get_positions(category="linear", symbol="BTCUSDT")["result"]["list"]
    assert (position["side"], position["leverage"]) == ("Buy", "5")
    assert Decimal(position["size"]) >= Decimal("0.002")
    price = f"{round(last(http) * 0.8, 1)}"
    for _ in range(2):
        http.place_order(
            **{**market, "orderType": "Limit", "qty": "0.001"}, side="Buy", price=price
        )
    assert len(http.get_open_orders(category="linear", symbol="BTCUSDT")["result"]["list"]) == 2
    http.cancel_all_orders(category="linear", symbol="BTCUSDT")
    assert http.get_open_orders(category="linear", symbol="BTCUSDT")["result"]["list"] == []
