"""The hand-written facts of the capability table (`KNOWN`), checked against the installed
ccxt wherever ccxt can say: the client order id reaches the exchange's own parameter as sent
(no prefix, no cut), the listed order methods really page when asked (and the others would
send the flag to the exchange), Kraken's fee flag reaches the request, and ccxt books a
Kraken fee in the quote coin (which the flag makes true). What ccxt cannot say (the id
lengths and alphabets, the fee coins of Binance, OKX and Bybit) is sourced in the comments
of `capabilities.py` from each exchange's API docs."""

from __future__ import annotations

import inspect
import re
import string
from typing import Any

import pytest

from traderagent.exchanges.ccxt.capabilities import KNOWN, capabilities_of
from traderagent.exchanges.ccxt.orders import snake

ccxt = pytest.importorskip("ccxt")

MARKET_IDS = {"binance": "BTCUSDT", "okx": "BTC-USDT", "bybit": "BTCUSDT", "kraken": "XXBTZUSD"}
ID_PARAM = {
    "binance": "newClientOrderId",
    "okx": "clOrdId",
    "bybit": "orderLinkId",
    "kraken": "cl_ord_id",
}
"""The exchange's own name of the client order id, as each one's API docs give it."""


def offline(exchange_id: str) -> Any:
    """The exchange's ccxt class with one BTC/USDT spot market set by hand (no network)."""
    made = getattr(ccxt, exchange_id)()
    made.set_markets(
        [
            {
                "id": MARKET_IDS[exchange_id],
                "symbol": "BTC/USDT",
                "base": "BTC",
                "quote": "USDT",
                "baseId": "BTC",
                "quoteId": "USDT",
                "type": "spot",
                "spot": True,
                "swap": False,
                "contract": False,
                "option": False,
                "future": False,
                "margin": False,
                "active": True,
                "precision": {"price": 0.01, "amount": 1e-05},
                "limits": {"amount": {"min": 1e-05}},
                "info": {"orderTypes": ["LIMIT", "MARKET"]},  # Binance's exchangeInfo says so
            }
        ]
    )
    return made


def create_request(exchange_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The request ccxt would send for a limit buy with `params` (nothing is sent)."""
    made = offline(exchange_id)
    if exchange_id == "kraken":  # its create builds the request in `order_request`
        pair = {"pair": MARKET_IDS["kraken"]}
        request, _ = made.order_request(
            "createOrder", "BTC/USDT", "limit", pair, 0.001, 100.0, params
        )
        return dict(request)
    return dict(made.create_order_request("BTC/USDT", "limit", "buy", 0.001, 100.0, params))


def test_every_known_exchange_is_a_ccxt_exchange() -> None:
    assert set(KNOWN) <= set(ccxt.exchanges)
    assert set(KNOWN) == set(ID_PARAM)


@pytest.mark.parametrize("exchange_id", sorted(KNOWN))
def test_the_longest_id_in_the_alphabet_reaches_the_exchange_unchanged(exchange_id: str) -> None:
    caps = capabilities_of(exchange_id, {})
    alphabet = [c for c in string.printable if re.fullmatch(f"[{caps.client_id_chars}]", c)]
    chars = [c for c in alphabet if c.isalnum()][:5] + [c for c in alphabet if not c.isalnum()]
    longest = ("".join(chars) * caps.client_id_max)[: caps.client_id_max]
    assert caps.wire_id(longest) == longest  # the table takes it as it is
    params = {"clientOrderId": caps.wire_id(longest), **dict(caps.create_params)}
    request = create_request(exchange_id, params)
    assert request[ID_PARAM[exchange_id]] == longest  # no broker prefix, no cut


def test_okxs_id_limit_is_the_one_ccxt_notes() -> None:
    source = inspect.getsource(ccxt.okx.create_order_request)
    assert "'clOrdId': clientOrderId, // up to 32 characters" in source
    assert KNOWN["okx"].client_id_max == 32


def reads_paginate(exchange_id: str, method: str) -> bool:
    source = inspect.getsource(getattr(getattr(ccxt, exchange_id), snake(method)))
    return f"'{method}', 'paginate'" in source


@pytest.mark.parametrize("exchange_id", sorted(KNOWN))
def test_only_methods_whose_ccxt_code_pages_are_asked_to(exchange_id: str) -> None:
    made = getattr(ccxt, exchange_id)()
    caps = capabilities_of(exchange_id, dict(made.has))
    for method in caps.paginated:
        assert reads_paginate(exchange_id, method), f"{exchange_id}.{method} does not page"
    assert set(caps.paginated) <= {"fetchOpenOrders", *caps.history}  # the lists asked
    if exchange_id == "okx":  # would send `paginate` to OKX as a query parameter
        assert "fetchCanceledOrders" in caps.history
        assert not reads_paginate("okx", "fetchCanceledOrders")


def test_kraken_asks_for_its_fee_in_quote_which_is_where_ccxt_books_it() -> None:
    caps = capabilities_of("kraken", {})
    assert dict(caps.create_params) == {"oflags": "fciq"} and not caps.buy_fee_in_base
    request = create_request("kraken", {"clientOrderId": "k1", **dict(caps.create_params)})
    assert request["oflags"] == "fciq"
    made = offline("kraken")
    sell = made.parse_trade(  # Kraken REST docs, Get Trades History: one trade, as a sell
        {
            "id": "THVRQM-33VKH-UCI7BS",
            "ordertxid": "OQCLML-BW3P3-BUCMWZ",
            "pair": "XXBTZUSD",
            "time": 1688667796.8802,
            "type": "sell",
            "ordertype": "limit",
            "price": "30010.00000",
            "cost": "600.20000",
            "fee": "0.96032",
            "vol": "0.02000000",
        }
    )
    assert sell["fee"]["currency"] == "USDT"  # the quote, whichever the side


@pytest.mark.parametrize("exchange_id", sorted(KNOWN))
def test_the_fee_coin_a_trade_names_is_kept(exchange_id: str) -> None:
    """Where a trade names its fee coin (Binance commissionAsset, OKX feeCcy, Bybit
    execFeeCcy... ) ccxt passes it on, so the table's fee coin is only the fallback."""
    source = inspect.getsource(getattr(ccxt, exchange_id).parse_trade)
    named = {"binance": "commissionAsset", "okx": "feeCcy", "bybit": "feeCurrency"}
    if exchange_id in named:
        assert named[exchange_id] in source


@pytest.mark.parametrize(
    ("exchange_id", "market", "stops"),
    [("bybit", "spot", True), ("bybit", "swap", True), ("okx", "spot", True),
     ("binance", "spot", True), ("kraken", "spot", False)],
)  # fmt: skip
def test_stop_orders_only_where_createorder_takes_a_trigger_price(
    exchange_id: str, market: str, stops: bool
) -> None:
    made = getattr(ccxt, exchange_id)()
    caps = capabilities_of(exchange_id, dict(made.has), None, dict(made.features), market)
    assert caps.stop_orders is stops
    if exchange_id == "kraken":  # it says it has stop orders, but reads no triggerPrice
        assert made.has["createStopOrder"]
        source = inspect.getsource(ccxt.kraken.order_request)
        assert "'stopLossPrice'" in source and "'triggerPrice'" not in source
