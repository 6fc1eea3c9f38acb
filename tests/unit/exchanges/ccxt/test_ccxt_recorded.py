"""The ccxt venue's parse paths for exchanges the emulator cannot show: binance, okx, kraken.

Each raw response below is the exchange's own documented example (the source is named on
each), fed through that exchange's ccxt class (`parse_order`, `parse_trade`: ccxt's code,
offline) and then through the venue's parse: the numbers come out as exact Decimals, the
statuses, sides and fee coins as the exchange meant them. Also the capability table and
client order ids as each exchange takes them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from traderagent.domain import Liquidity, OrderStatus, OrderType, Side
from traderagent.exchanges.ccxt.capabilities import capabilities_of
from traderagent.exchanges.ccxt.parse import parse_fill, parse_instrument, parse_order

ccxt = pytest.importorskip("ccxt")
ccxt_pro = pytest.importorskip("ccxt.pro")


def client(exchange_id: str, market_id: str, base: str, quote: str) -> Any:
    """The exchange's ccxt class with one spot market set by hand (no network)."""
    made = getattr(ccxt, exchange_id)()
    made.set_markets(
        [
            {
                "id": market_id,
                "symbol": f"{base}/{quote}",
                "base": base,
                "quote": quote,
                "baseId": base,
                "quoteId": quote,
                "type": "spot",
                "spot": True,
                "swap": False,
                "linear": None,
                "inverse": None,
                "contract": False,
                "option": False,
                "future": False,
                "margin": False,
                "active": True,
                "precision": {"price": 0.01, "amount": 1e-05},
                "limits": {"amount": {"min": 1e-05}, "cost": {"min": 5}},
                "altname": "XBTUSD",
                "wsname": "XBT/USD",
            }
        ]
    )
    return made


# Binance Spot API docs, "New order (TRADE)" POST /api/v3/order, response FULL example
BINANCE_ORDER = {
    "symbol": "BTCUSDT",
    "orderId": 28,
    "orderListId": -1,
    "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
    "transactTime": 1507725176595,
    "price": "0.00000000",
    "origQty": "10.00000000",
    "executedQty": "10.00000000",
    "cummulativeQuoteQty": "10.00000000",
    "status": "FILLED",
    "timeInForce": "GTC",
    "type": "MARKET",
    "side": "SELL",
    "workingTime": 1507725176595,
    "selfTradePreventionMode": "NONE",
}
# Binance Spot API docs, "Account trade list (USER_DATA)" GET /api/v3/myTrades, example
BINANCE_TRADE = {
    "symbol": "BTCUSDT",
    "id": 28457,
    "orderId": 100234,
    "orderListId": -1,
    "price": "4.00000100",
    "qty": "12.00000000",
    "quoteQty": "48.000012",
    "commission": "10.10000000",
    "commissionAsset": "BNB",
    "time": 1499865549590,
    "isBuyer": True,
    "isMaker": False,
    "isBestMatch": True,
}
# OKX API v5 docs, "Get order details" GET /api/v5/trade/order, response example (spot)
OKX_ORDER = {
    "instType": "SPOT",
    "instId": "BTC-USDT",
    "ccy": "",
    "ordId": "312269865356374016",
    "clOrdId": "b1",
    "tag": "",
    "px": "2500",
    "sz": "1",
    "pnl": "0",
    "ordType": "limit",
    "side": "buy",
    "posSide": "",
    "tdMode": "cash",
    "accFillSz": "0.5",
    "fillPx": "2500",
    "tradeId": "",
    "fillSz": "0.5",
    "fillTime": "1597026383085",
    "state": "partially_filled",
    "avgPx": "2500",
    "lever": "",
    "feeCcy": "BTC",
    "fee": "-0.0005",
    "rebateCcy": "",
    "rebate": "",
    "category": "normal",
    "uTime": "1597026383085",
    "cTime": "1597026383085",
}
# OKX API v5 docs, "Get transaction details (last 3 days)" GET /api/v5/trade/fills, example
OKX_FILL = {
    "instType": "SPOT",
    "instId": "BTC-USDT",
    "tradeId": "123",
    "ordId": "312269865356374016",
    "clOrdId": "b1",
    "billId": "1111",
    "tag": "",
    "fillPx": "2500",
    "fillSz": "0.5",
    "side": "buy",
    "posSide": "",
    "execType": "M",
    "feeCcy": "BTC",
    "fee": "-0.0005",
    "ts": "1597026383085",
    "fillTime": "1597026383085",
}
# Kraken REST docs, "Get Open Orders" POST /0/private/OpenOrders, example (one order)
KRAKEN_ORDER_ID = "OQCLML-BW3P3-BUCMWZ"
KRAKEN_ORDER = {
    "refid": None,
    "userref": 0,
    "status": "open",
    "opentm": 1688666559.8974,
    "starttm": 0,
    "expiretm": 0,
    "descr": {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "price": "30010.0",
        "price2": "0",
        "leverage": "none",
        "order": "buy 1.25000000 XBTUSD @ limit 30010.0",
        "close": "",
    },
    "vol": "1.25000000",
    "vol_exec": "0.37500000",
    "cost": "11253.7",
    "fee": "0.00000",
    "price": "30010.0",
    "stopprice": "0.00000",
    "limitprice": "0.00000",
    "misc": "",
    "oflags": "fciq",
    "trades": ["TCCCTY-WE2O6-P3NB37"],
}
# Kraken REST docs, "Get Trades History" POST /0/private/TradesHistory, example (one trade)
KRAKEN_TRADE = {
    "ordertxid": "OQCLML-BW3P3-BUCMWZ",
    "postxid": "TKH2SE-M7IF5-CFI7LT",
    "pair": "XXBTZUSD",
    "time": 1688667796.8802,
    "type": "buy",
    "ordertype": "limit",
    "price": "30010.00000",
    "cost": "600.20000",
    "fee": "0.96032",
    "vol": "0.02000000",
    "margin": "0.00000",
    "misc": "",
}


def test_binance_order_and_trade() -> None:
    ex = client("binance", "BTCUSDT", "BTC", "USDT")
    order = parse_order(ex.parse_order(BINANCE_ORDER), "BTCUSDT", "c-1")
    assert (order.status, order.side, order.type) == (
        OrderStatus.FILLED,
        Side.SELL,
        OrderType.MARKET,
    )
    assert (order.qty, order.filled_qty, order.exchange_order_id) == (
        Decimal(10),
        Decimal(10),
        "28",
    )
    assert order.created_ms == 1507725176595
    fill = parse_fill(ex.parse_trade(BINANCE_TRADE), "BTCUSDT", "c-1", "BTC")
    assert (fill.fill_id, fill.side, fill.liquidity) == ("28457", Side.BUY, Liquidity.TAKER)
    assert (fill.price, fill.qty) == (Decimal("4.000001"), Decimal(12))
    assert (fill.fee, fill.fee_asset, fill.ts) == (Decimal("10.1"), "BNB", 1499865549590)


def test_okx_partial_order_and_fill_with_a_negative_fee() -> None:
    ex = client("okx", "BTC-USDT", "BTC", "USDT")
    order = parse_order(ex.parse_order(OKX_ORDER), "BTCUSDT", "b1")
    assert (order.status, order.qty, order.filled_qty, order.price) == (
        OrderStatus.PARTIALLY_FILLED,
        Decimal(1),
        Decimal("0.5"),
        Decimal(2500),
    )
    assert order.exchange_order_id == "312269865356374016"
    fill = parse_fill(ex.parse_trade(OKX_FILL), "BTCUSDT", "b1", "USDT")
    # OKX reports a fee paid as a negative number; the venue books what was paid
    assert (fill.fee, fill.fee_asset, fill.liquidity) == (
        Decimal("0.0005"),
        "BTC",
        Liquidity.MAKER,
    )
    assert fill.base_qty == Decimal("0.4995")  # a spot buy's fee in base


def test_kraken_open_order_and_trade_in_usd() -> None:
    ex = client("kraken", "XXBTZUSD", "BTC", "USD")
    order = parse_order(ex.parse_order({**KRAKEN_ORDER, "id": KRAKEN_ORDER_ID}), "BTCUSD", "k")
    assert (order.status, order.qty, order.filled_qty, order.price) == (
        OrderStatus.PARTIALLY_FILLED,
        Decimal("1.25"),
        Decimal("0.375"),
        Decimal("30010.0"),
    )
    assert order.exchange_order_id == KRAKEN_ORDER_ID
    fill = parse_fill(ex.parse_trade({**KRAKEN_TRADE, "id": "THVRQM"}), "BTCUSD", "k", "USD")
    assert (fill.price, fill.qty, fill.fee, fill.fee_asset) == (
        Decimal("30010"),
        Decimal("0.02"),
        Decimal("0.96032"),
        "USD",
    )
    assert fill.ts == 1688667796880
    assert fill.base_qty == fill.qty  # Kraken charges the quote coin (fciq)


@pytest.mark.parametrize("exchange_id", ["binance", "okx", "kraken"])
def test_markets_give_tick_lot_and_minimums_as_decimals(exchange_id: str) -> None:
    ex = client(exchange_id, "BTCUSDT", "BTC", "USDT")
    inst = parse_instrument(ex.market("BTC/USDT"), ex.precisionMode)
    assert (inst.symbol, inst.tick_size, inst.lot_size) == (
        "BTCUSDT",
        Decimal("0.01"),
        Decimal("0.00001"),
    )
    assert (inst.min_qty, inst.min_notional) == (Decimal("0.00001"), Decimal(5))


def test_capability_table_from_has_and_known_facts() -> None:
    caps = {x: capabilities_of(x, dict(getattr(ccxt_pro, x)().has)) for x in ("okx", "kraken")}
    caps["binance"] = capabilities_of("binance", dict(ccxt.binance().has))
    assert caps["okx"].amend and caps["okx"].post_only and caps["okx"].private_streams
    assert not caps["kraken"].post_only  # ccxt's kraken has no createPostOnlyOrder
    assert not caps["binance"].private_streams  # the REST class: polling
    assert caps["binance"].buy_fee_in_base and not caps["kraken"].buy_fee_in_base
    assert caps["okx"].history == ("fetchClosedOrders", "fetchCanceledOrders")


@pytest.mark.parametrize(
    ("exchange_id", "kept"), [("binance", True), ("okx", False), ("kraken", True)]
)
def test_client_order_ids_fit_each_exchange_and_are_stable(exchange_id: str, kept: bool) -> None:
    caps = capabilities_of(exchange_id, {})
    cid = "grid-1-17"
    wire = caps.wire_id(cid)
    assert (wire == cid) is kept
    assert re.fullmatch(f"[{caps.client_id_chars}]{{1,{caps.client_id_max}}}", wire)
    assert caps.wire_id(cid) == wire  # the same id after a restart: a resend is a duplicate
    assert caps.wire_id("grid-1-18") != wire
    long = caps.wire_id("x" * 60)
    assert len(long) == caps.client_id_max
