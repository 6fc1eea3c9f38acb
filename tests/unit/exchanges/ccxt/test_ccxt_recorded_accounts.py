"""Markets and balances of binance, okx and kraken as the exchanges send them: each raw
response below is the exchange's documented example (the source is named on each), parsed
by that exchange's ccxt class (offline) and then by the venue: tick, lot and minimums come out
as exact Decimals, balances as free and locked per coin, in ccxt's coin names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from traderagent.domain import Balance
from traderagent.exchanges.ccxt.parse import parse_balances, parse_instrument

ccxt = pytest.importorskip("ccxt")

# Binance Spot API docs, "Exchange information" GET /api/v3/exchangeInfo, one symbol of the
# response example, with the filters of the "Filters" page's PRICE_FILTER, LOT_SIZE and
# NOTIONAL examples (the exchangeInfo example leaves `filters` empty)
BINANCE_SYMBOL = {
    "symbol": "ETHBTC",
    "status": "TRADING",
    "baseAsset": "ETH",
    "baseAssetPrecision": 8,
    "quoteAsset": "BTC",
    "quotePrecision": 8,
    "quoteAssetPrecision": 8,
    "baseCommissionPrecision": 8,
    "quoteCommissionPrecision": 8,
    "orderTypes": [
        "LIMIT",
        "LIMIT_MAKER",
        "MARKET",
        "STOP_LOSS",
        "STOP_LOSS_LIMIT",
        "TAKE_PROFIT",
        "TAKE_PROFIT_LIMIT",
    ],
    "icebergAllowed": True,
    "ocoAllowed": True,
    "otoAllowed": True,
    "quoteOrderQtyMarketAllowed": True,
    "allowTrailingStop": False,
    "cancelReplaceAllowed": False,
    "isSpotTradingAllowed": True,
    "isMarginTradingAllowed": True,
    "filters": [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": "0.00000100",
            "maxPrice": "100000.00000000",
            "tickSize": "0.00000100",
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": "0.00100000",
            "maxQty": "100000.00000000",
            "stepSize": "0.00100000",
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": "10.00000000",
            "applyMinToMarket": False,
            "maxNotional": "10000.00000000",
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
    ],
    "permissions": [],
    "permissionSets": [["SPOT", "MARGIN"]],
    "defaultSelfTradePreventionMode": "NONE",
    "allowedSelfTradePreventionModes": ["NONE"],
}
# Binance Spot API docs, "Account information (USER_DATA)" GET /api/v3/account, example
BINANCE_ACCOUNT = {
    "makerCommission": 15,
    "takerCommission": 15,
    "buyerCommission": 0,
    "sellerCommission": 0,
    "commissionRates": {
        "maker": "0.00150000",
        "taker": "0.00150000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    },
    "canTrade": True,
    "canWithdraw": True,
    "canDeposit": True,
    "brokered": False,
    "requireSelfTradePrevention": False,
    "preventSor": False,
    "updateTime": 123456789,
    "accountType": "SPOT",
    "balances": [
        {"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"},
        {"asset": "LTC", "free": "4763368.68006011", "locked": "0.00000000"},
    ],
    "permissions": ["SPOT"],
    "uid": 354937868,
}
# OKX API v5 docs, "Get instruments" GET /api/v5/public/instruments?instType=SPOT, the
# response example's one instrument
OKX_INSTRUMENT = {
    "alias": "",
    "auctionEndTime": "",
    "baseCcy": "BTC",
    "category": "1",
    "ctMult": "",
    "ctType": "",
    "ctVal": "",
    "ctValCcy": "",
    "expTime": "",
    "instFamily": "",
    "instId": "BTC-USDT",
    "instType": "SPOT",
    "lever": "10",
    "listTime": "1606468572000",
    "lotSz": "0.00000001",
    "maxIcebergSz": "9999999999.0000000000000000",
    "maxLmtAmt": "1000000",
    "maxLmtSz": "9999999999",
    "maxMktAmt": "1000000",
    "maxMktSz": "",
    "maxStopSz": "",
    "maxTriggerSz": "9999999999.0000000000000000",
    "maxTwapSz": "9999999999.0000000000000000",
    "minSz": "0.00001",
    "optType": "",
    "quoteCcy": "USDT",
    "settleCcy": "",
    "state": "live",
    "ruleType": "normal",
    "stk": "",
    "tickSz": "0.1",
    "uly": "",
}
# OKX API v5 docs, "Get balance" GET /api/v5/account/balance, the response example (one
# coin; the fields of unified-account modes other than spot left out)
OKX_BALANCE = {
    "code": "0",
    "data": [
        {
            "adjEq": "55415.624719833286",
            "borrowFroz": "0",
            "details": [
                {
                    "availBal": "4834.317093622894",
                    "availEq": "4834.3170936228935",
                    "borrowFroz": "0",
                    "cashBal": "4850.435693622894",
                    "ccy": "USDT",
                    "crossLiab": "0",
                    "disEq": "4991.542013297616",
                    "eq": "4992.890093622894",
                    "eqUsd": "4991.542013297616",
                    "fixedBal": "0",
                    "frozenBal": "158.573",
                    "interest": "0",
                    "isoEq": "0",
                    "isoLiab": "0",
                    "isoUpl": "0",
                    "liab": "0",
                    "maxLoan": "0",
                    "ordFrozen": "0",
                    "stgyEq": "150",
                    "twap": "0",
                    "uTime": "1705449605015",
                    "upl": "-7.545600000000006",
                    "uplLiab": "0",
                }
            ],
            "imr": "8.57068529",
            "isoEq": "0",
            "mgnRatio": "143682.59776662575",
            "mmr": "0.3428274116",
            "notionalUsd": "85.7068529",
            "ordFroz": "0",
            "totalEq": "55837.43556134779",
            "uTime": "1705474164160",
            "upl": "-7.543562688000006",
        }
    ],
    "msg": "",
}
# Kraken REST docs, "Get Tradable Asset Pairs" GET /0/public/AssetPairs?pair=XXBTZUSD, the
# response example (its fee schedules cut to their first three tiers)
KRAKEN_ASSET_PAIRS = {
    "error": [],
    "result": {
        "XXBTZUSD": {
            "altname": "XBTUSD",
            "wsname": "XBT/USD",
            "aclass_base": "currency",
            "base": "XXBT",
            "aclass_quote": "currency",
            "quote": "ZUSD",
            "lot": "unit",
            "cost_decimals": 5,
            "pair_decimals": 1,
            "lot_decimals": 8,
            "lot_multiplier": 1,
            "leverage_buy": [2, 3, 4, 5],
            "leverage_sell": [2, 3, 4, 5],
            "fees": [[0, 0.26], [50000, 0.24], [100000, 0.22]],
            "fees_maker": [[0, 0.16], [50000, 0.14], [100000, 0.12]],
            "fee_volume_currency": "ZUSD",
            "margin_call": 80,
            "margin_stop": 40,
            "ordermin": "0.0001",
            "costmin": "0.5",
            "tick_size": "0.1",
            "status": "online",
            "long_position_limit": 270,
            "short_position_limit": 180,
        }
    },
}
# Kraken REST docs, "Get Extended Balance" POST /0/private/BalanceEx (what ccxt's
# fetch_balance asks), the response example with its numbers as strings, as Kraken sends them
KRAKEN_BALANCE_EX = {
    "error": [],
    "result": {
        "ZUSD": {"balance": "25435.21", "hold_trade": "8249.76"},
        "XXBT": {"balance": "1.2435", "hold_trade": "0.8423"},
    },
}


def test_binance_market_and_balance() -> None:
    ex = ccxt.binance()
    ex.options["crossMarginPairsData"] = []  # fetch_markets reads these first (margin lists)
    ex.options["isolatedMarginPairsData"] = []
    market = ex.parse_market(BINANCE_SYMBOL)
    inst = parse_instrument(market, ex.precisionMode)
    assert (inst.symbol, inst.base, inst.quote) == ("ETHBTC", "ETH", "BTC")
    assert (inst.tick_size, inst.lot_size) == (Decimal("0.000001"), Decimal("0.001"))
    assert (inst.min_qty, inst.min_notional) == (Decimal("0.001"), Decimal(10))
    balances = parse_balances(ex.parse_balance_custom(BINANCE_ACCOUNT, "spot"))
    assert balances == {
        "BTC": Balance("BTC", Decimal("4723846.89208129"), Decimal(0)),
        "LTC": Balance("LTC", Decimal("4763368.68006011"), Decimal(0)),
    }


def test_okx_market_and_balance() -> None:
    ex = ccxt.okx()
    market = ex.parse_market(OKX_INSTRUMENT)
    inst = parse_instrument(market, ex.precisionMode)
    assert (inst.symbol, inst.tick_size, inst.lot_size) == (
        "BTCUSDT",
        Decimal("0.1"),
        Decimal("0.00000001"),
    )
    assert inst.min_qty == Decimal("0.00001")
    balances = parse_balances(ex.parse_balance_by_type("spot", OKX_BALANCE))
    usdt = balances["USDT"]  # ccxt: free is availEq, the total eq (locked: their difference)
    assert (usdt.free, usdt.total) == (Decimal("4834.3170936228935"), Decimal("4992.890093622894"))
    assert usdt.locked == Decimal("158.5730000000005")  # exact: no binary rounding on the way
    assert set(balances) == {"USDT"}


def test_kraken_market_and_balance_in_ccxt_coin_names() -> None:
    ex = ccxt.kraken()

    def asset_pairs(params: dict[str, Any] | None = None) -> dict[str, Any]:
        return KRAKEN_ASSET_PAIRS

    ex.publicGetAssetPairs = asset_pairs  # fetch_markets parses inline: feed it the answer
    [market] = ex.fetch_markets()
    inst = parse_instrument(market, ex.precisionMode)
    assert (inst.symbol, inst.base, inst.quote) == ("BTCUSD", "BTC", "USD")  # XXBT/ZUSD
    assert (inst.tick_size, inst.lot_size) == (Decimal("0.1"), Decimal("0.00000001"))
    assert (inst.min_qty, inst.min_notional) == (Decimal("0.0001"), Decimal("0.5"))
    assert market["taker"] == 0.0026 and market["maker"] == 0.0016
    balances = parse_balances(ex.parse_balance(KRAKEN_BALANCE_EX))
    assert balances == {
        "BTC": Balance("BTC", Decimal("0.4012"), Decimal("0.8423")),
        "USD": Balance("USD", Decimal("17185.45"), Decimal("8249.76")),
    }
