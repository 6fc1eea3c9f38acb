"""ccxt's `bybit` class, unmodified, against the emulator: default mode and demo mode.

ccxt is pointed at the emulator by setting every `urls['api']` entry to its URL (demo mode
first swaps them for the demo URLs, which are then overridden the same way). The emulator runs
on its own thread (ccxt's sync class blocks), one per module; each test places its own orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from emulator_thread import EmulatorThread

from traderagent.marketdata import load_bundled

ccxt = pytest.importorskip("ccxt")

SPOT, PERP = "BTC/USDT", "BTC/USDT:USDT"


@pytest.fixture(scope="module")
def venue() -> Iterator[EmulatorThread]:
    thread = EmulatorThread(
        load_bundled().head(400), warmup=300, balances={"USDT": 100_000, "BTC": 1}
    )
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module", params=["default", "demo"])
def exchange(request: pytest.FixtureRequest, venue: EmulatorThread) -> Any:
    emu = venue.emulator
    client = ccxt.bybit({"apiKey": emu.api_key, "secret": emu.api_secret})
    if request.param == "demo":
        client.enable_demo_trading(True)
    for key in list(client.urls["api"]):
        client.urls["api"][key] = emu.rest_url
    client.load_markets()
    return client


def last_price(exchange: Any, symbol: str) -> float:
    return float(exchange.fetch_ticker(symbol)["last"])


def test_load_markets_lists_spot_and_perpetual_with_the_emulator_rules(exchange: Any) -> None:
    spot, perp = exchange.market(SPOT), exchange.market(PERP)
    assert (spot["type"], perp["type"], perp["settle"]) == ("spot", "swap", "USDT")
    assert perp["precision"]["price"] == 0.1
    assert perp["limits"]["amount"]["min"] == 0.001


def test_ticker_ohlcv_and_order_book(exchange: Any) -> None:
    ticker = exchange.fetch_ticker(PERP)
    assert ticker["bid"] < ticker["ask"]
    rows = exchange.fetch_ohlcv(SPOT, "1m", limit=5)
    assert len(rows) == 5 and rows[0][0] < rows[-1][0]
    hourly = exchange.fetch_ohlcv(PERP, "1h", since=rows[-1][0] - 3 * 3_600_000)
    assert 1 <= len(hourly) <= 4
    book = exchange.fetch_order_book(PERP, 50)
    assert len(book["bids"]) == len(book["asks"]) == 50
    assert book["bids"][0][0] == ticker["bid"] and book["asks"][0][0] == ticker["ask"]
    assert book["bids"][0][0] > book["bids"][1][0] and book["asks"][0][0] < book["asks"][1][0]


def test_balance_and_trading_fees(exchange: Any) -> None:
    balance = exchange.fetch_balance()
    assert balance["total"]["USDT"] > 0
    assert exchange.fetch_trading_fee(SPOT)["maker"] == 0.001
    assert exchange.fetch_trading_fee(PERP)["taker"] == 0.00055


@pytest.mark.parametrize("symbol", [SPOT, PERP])
def test_limit_order_create_amend_fetch_cancel(exchange: Any, symbol: str) -> None:
    price = float(exchange.price_to_precision(symbol, last_price(exchange, symbol) * 0.9))
    order = exchange.create_order(symbol, "limit", "buy", 0.001, price)
    lower = float(exchange.price_to_precision(symbol, price * 0.95))
    exchange.edit_order(order["id"], symbol, "limit", "buy", 0.002, lower)
    open_orders = {o["id"]: o for o in exchange.fetch_open_orders(symbol)}
    assert (open_orders[order["id"]]["amount"], open_orders[order["id"]]["price"]) == (
        0.002,
        lower,
    )
    fetched = exchange.fetch_order(order["id"], symbol, {"acknowledged": True})
    assert (fetched["status"], fetched["price"]) == ("open", lower)
    exchange.cancel_order(order["id"], symbol)
    assert order["id"] not in {o["id"] for o in exchange.fetch_open_orders(symbol)}
    fetched = exchange.fetch_order(order["id"], symbol, {"acknowledged": True})
    assert fetched["status"] == "canceled"


def test_cancel_all_orders(exchange: Any) -> None:
    price = float(exchange.price_to_precision(PERP, last_price(exchange, PERP) * 0.8))
    for _ in range(3):
        exchange.create_order(PERP, "limit", "buy", 0.001, price)
    assert len(exchange.fetch_open_orders(PERP)) >= 3
    exchange.cancel_all_orders(PERP)
    assert exchange.fetch_open_orders(PERP) == []


@pytest.mark.parametrize("symbol", [SPOT, PERP])
def test_market_order_trades_and_closed_orders(
    exchange: Any, venue: EmulatorThread, symbol: str
) -> None:
    price = last_price(exchange, symbol)
    order = exchange.create_order(symbol, "market", "buy", 0.001, price)
    venue.step(1)  # a market order fills on the next candle's path
    trades = [t for t in exchange.fetch_my_trades(symbol) if t["order"] == order["id"]]
    # a spot market buy is sent in quote coin (amount x price), so its base qty is floored
    assert len(trades) == 1 and trades[0]["amount"] == pytest.approx(0.001, rel=0.01)
    closed = {o["id"]: o for o in exchange.fetch_closed_orders(symbol)}
    assert closed[order["id"]]["status"] == "closed"
    assert closed[order["id"]]["filled"] == trades[0]["amount"]


def test_positions_and_leverage(exchange: Any, venue: EmulatorThread) -> None:
    target = 7 if exchange.options.get("enableDemoTrading") else 6
    exchange.set_leverage(target, PERP)
    exchange.create_order(PERP, "market", "buy", 0.002, last_price(exchange, PERP))
    venue.step(1)
    (position,) = exchange.fetch_positions([PERP])
    assert position["side"] == "long" and position["contracts"] > 0
    assert position["leverage"] == target
    assert Decimal(str(position["entryPrice"])) > 0


def test_positions_history_and_ledger(exchange: Any, venue: EmulatorThread) -> None:
    exchange.create_order(PERP, "market", "buy", 0.001, last_price(exchange, PERP))
    venue.step(1)
    closing = exchange.create_order(PERP, "market", "sell", 0.001, last_price(exchange, PERP))
    venue.step(1)
    history = exchange.fetch_positions_history([PERP])
    (closed,) = [p for p in history if p["info"]["orderId"] == closing["id"]]
    assert closed["symbol"] == PERP and closed["contracts"] == 0.001
    assert closed["realizedPnl"] == float(closed["info"]["closedPnl"])
    ledger = exchange.fetch_ledger("USDT")
    assert ledger and {e["type"] for e in ledger} == {"trade"}
    last = max(ledger, key=lambda e: int(e["info"]["id"]))
    assert last["after"] == pytest.approx(exchange.fetch_balance()["total"]["USDT"])
