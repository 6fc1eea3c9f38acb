"""V5 items to domain values; hosts, config and credentials."""

from __future__ import annotations

from decimal import Decimal

import pydantic
import pytest

from traderagent.domain import Instrument, Liquidity, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials, BybitConfig
from traderagent.exchanges.bybit.errors import ProtocolError
from traderagent.exchanges.bybit.hosts import DEMO, MAINNET, TESTNET
from traderagent.exchanges.bybit.parse import (
    default_fee_asset,
    parse_fill,
    parse_liquidation,
    parse_order,
    parse_position,
    parse_wallet,
)
from traderagent.exchanges.bybit.quotes import TickerState, parse_top_of_book

ORDER = {
    "orderId": "1321003749386327552",
    "orderLinkId": "grid-btc-7",
    "symbol": "BTCUSDT",
    "price": "30000.10",
    "qty": "0.100",
    "side": "Sell",
    "orderStatus": "PartiallyFilled",
    "rejectReason": "EC_NoError",
    "avgPrice": "30000.1",
    "cumExecQty": "0.040",
    "orderType": "Limit",
    "createdTime": "1672364262444",
    "updatedTime": "1672364262457",
}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("New", OrderStatus.NEW),
        ("Untriggered", OrderStatus.NEW),
        ("PartiallyFilled", OrderStatus.PARTIALLY_FILLED),
        ("Filled", OrderStatus.FILLED),
        ("Cancelled", OrderStatus.CANCELLED),
        ("PartiallyFilledCanceled", OrderStatus.PARTIALLY_FILLED_CANCELLED),
        ("Deactivated", OrderStatus.CANCELLED),
        ("Rejected", OrderStatus.REJECTED),
    ],
)
def test_order_statuses_map_onto_the_engines(raw: str, status: OrderStatus) -> None:
    assert parse_order({**ORDER, "orderStatus": raw}).status is status


def test_order_fields_are_exact() -> None:
    order = parse_order(ORDER, bot="grid-btc", tag="s7")
    assert (order.client_order_id, order.side, order.type) == (
        "grid-btc-7",
        Side.SELL,
        OrderType.LIMIT,
    )
    assert (order.qty, order.price, order.filled_qty) == (
        Decimal("0.100"),
        Decimal("30000.10"),
        Decimal("0.040"),
    )
    assert order.avg_fill_price == Decimal("30000.1")
    assert (order.created_ms, order.updated_ms) == (1672364262444, 1672364262457)
    assert order.reject_reason == "" and order.exchange_order_id == "1321003749386327552"
    assert (order.bot, order.tag) == ("grid-btc", "s7")


def test_market_orders_have_no_price_and_rejections_keep_the_reason() -> None:
    market = parse_order(
        {
            **ORDER,
            "orderType": "Market",
            "orderStatus": "Cancelled",
            "rejectReason": "EC_NoImmediateQtyToFill",
            "avgPrice": "",
        }
    )
    assert market.price is None and market.avg_fill_price is None
    assert market.reject_reason == "EC_NoImmediateQtyToFill"


def test_unknown_status_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="Sleeping"):
        parse_order({**ORDER, "orderStatus": "Sleeping"})


def test_fills_take_the_fee_currency_or_the_venue_default() -> None:
    item = {
        "execId": "e-1",
        "orderLinkId": "grid-btc-7",
        "orderId": "1",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "execPrice": "95900.1",
        "execQty": "0.5",
        "execFee": "26.3725275",
        "execTime": "1672364262474",
        "isMaker": False,
    }
    btc = Instrument(
        "BTCUSDT", "BTC", "USDT", Decimal("0.1"), Decimal("0.001"), Decimal(0), Decimal(0)
    )
    fill = parse_fill(item, default_fee_asset("linear", Side.BUY, btc))
    assert (fill.fill_id, fill.price, fill.qty, fill.fee) == (
        "e-1",
        Decimal("95900.1"),
        Decimal("0.5"),
        Decimal("26.3725275"),
    )
    assert fill.fee_asset == "USDT" and fill.liquidity is Liquidity.TAKER
    assert default_fee_asset("spot", Side.BUY, btc) == "BTC"
    assert default_fee_asset("spot", Side.SELL, btc) == "USDT"
    assert parse_fill({**item, "feeCurrency": "BTC", "isMaker": "true"}, "USDT").fee_asset == "BTC"


def test_wallet_and_positions() -> None:
    wallet = parse_wallet(
        {
            "list": [
                {
                    "coin": [
                        {
                            "coin": "USDT",
                            "walletBalance": "1000.5",
                            "locked": "0",
                            "totalOrderIM": "100.25",
                            "totalPositionIM": "50",
                        },
                        {
                            "coin": "BTC",
                            "walletBalance": "0.5",
                            "locked": "0.1",
                            "totalOrderIM": "",
                        },
                    ]
                }
            ]
        }
    )
    assert (wallet["USDT"].free, wallet["USDT"].locked) == (Decimal("850.25"), Decimal("150.25"))
    assert (wallet["BTC"].free, wallet["BTC"].total) == (Decimal("0.4"), Decimal("0.5"))
    short = parse_position(
        {
            "symbol": "BTCUSDT",
            "side": "Sell",
            "size": "0.3",
            "avgPrice": "25000",
            "cumRealisedPnl": "-1.5",
        }
    )
    assert (short.qty, short.avg_price, short.realised_pnl) == (
        Decimal("-0.3"),
        Decimal("25000"),
        Decimal("-1.5"),
    )
    ws_flat = parse_position({"symbol": "BTCUSDT", "side": "", "size": "0", "entryPrice": "0"})
    assert ws_flat.qty == 0 and ws_flat.avg_price == 0


def test_ticker_deltas_merge_into_the_snapshot_and_top_of_book_parses() -> None:
    state = TickerState()
    first = state.apply(
        {
            "type": "snapshot",
            "ts": 1,
            "data": {
                "symbol": "BTCUSDT",
                "lastPrice": "100",
                "bid1Price": "99.5",
                "ask1Price": "100.5",
            },
        }
    )
    second = state.apply(
        {"type": "delta", "ts": 2, "data": {"symbol": "BTCUSDT", "lastPrice": "101"}}
    )
    assert (first.last_price, second.last_price, second.bid, second.ts) == (
        Decimal(100),
        Decimal(101),
        Decimal("99.5"),
        2,
    )
    top = parse_top_of_book({"ts": 3, "data": {"s": "BTCUSDT", "b": [["99", "2"]], "a": []}})
    assert (top.bid, top.bid_size, top.ask) == (Decimal(99), Decimal(2), None)


def test_hosts_per_environment() -> None:
    assert BybitConfig(env="mainnet").hosts == MAINNET
    assert BybitConfig(env="testnet").hosts == TESTNET
    demo = BybitConfig().hosts
    assert demo == DEMO
    assert demo.rest == "https://api-demo.bybit.com"
    assert demo.private_ws == "wss://stream-demo.bybit.com/v5/private"
    assert demo.public_ws("linear") == "wss://stream.bybit.com/v5/public/linear"  # mainnet data
    custom = BybitConfig(env="custom", url="http://127.0.0.1:8787/").hosts
    assert custom.rest == "http://127.0.0.1:8787"
    assert custom.public_ws("spot") == "ws://127.0.0.1:8787/v5/public/spot"
    assert custom.private_ws == "ws://127.0.0.1:8787/v5/private"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"env": "custom"}, "needs a url"),
        ({"env": "demo", "url": "http://x:1"}, "only used with env 'custom'"),
        ({"env": "custom", "url": "ftp://x"}, "http://HOST:PORT"),
        ({"category": "inverse"}, "category"),
        ({"recv_window": 5000}, "Extra inputs"),
    ],
)
def test_bad_configs_say_what_is_wrong(fields: dict[str, object], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        BybitConfig(**fields)  # type: ignore[arg-type]


def test_config_is_frozen_and_documented() -> None:
    config = BybitConfig()
    with pytest.raises(pydantic.ValidationError):
        config.env = "mainnet"  # type: ignore[misc]
    assert all(field.description for field in BybitConfig.model_fields.values())


def test_credentials_never_show_the_secret() -> None:
    creds = ApiCredentials("CFEJUGQEQPPHGOHGHM", "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "VDFZSS" not in text and "CFEJUGQEQPPHGOHGHM" not in text
    assert "CF…HM" in repr(creds)
    with pytest.raises(ValueError, match="both"):
        ApiCredentials("key", "")


def test_a_positions_liquidation_price_is_bybits_liqprice_none_when_flat() -> None:
    assert parse_liquidation({"liqPrice": "28678.7"}) == Decimal("28678.7")
    assert parse_liquidation({"liqPrice": ""}) is None  # flat: Bybit sends ''
    assert parse_liquidation({"liqPrice": "0"}) is None
    assert parse_liquidation({}) is None
