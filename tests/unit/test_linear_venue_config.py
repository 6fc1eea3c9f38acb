"""`paper.category: linear`: the config, the venue it builds, and what it refuses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG

from storage import Database, SqlJournal
from traderagent.config import ConfigError, parse_config
from traderagent.domain import Fill, Liquidity, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.paper.linear import ConstantRate, RateSeries
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.marketdata import CandleSeries
from traderagent.wiring.venues import StartupError, funding_rates, keep_paper_book, paper_venue

LINEAR = SMALL_CONFIG.replace(
    "bots:",
    """paper:
  category: linear
  linear:
    leverage: 5
    leverage_by_symbol: {BTCUSDT: 3}
    margin_mode: cross
    mmr_by_symbol: {BTCUSDT: "0.01"}
    funding_rate: "0.0001"
bots:""",
)


def test_a_linear_paper_config_builds_the_linear_venue() -> None:
    venue = paper_venue(parse_config(LINEAR, "c.yaml", {}))
    exchange = venue.exchange
    assert isinstance(exchange, PaperLinearExchange)
    position = exchange.book.position("BTCUSDT")
    assert (position.leverage, position.mmr) == (Decimal(3), Decimal("0.01"))
    assert exchange.book.margin_mode == "cross"
    assert venue.fee_reserve == Decimal("0.00055")  # the linear taker rate, locked with a buy
    spot = paper_venue(parse_config(SMALL_CONFIG, "c.yaml", {}))
    assert not isinstance(spot.exchange, PaperLinearExchange)


def test_bad_linear_settings_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="leverage"):
        parse_config(LINEAR.replace("leverage: 5", "leverage: 0"), "c.yaml", {})
    with pytest.raises(ConfigError, match="leverage of BTCUSDT"):
        parse_config(LINEAR.replace("{BTCUSDT: 3}", "{BTCUSDT: 500}"), "c.yaml", {})
    with pytest.raises(ConfigError, match="margin_mode"):
        parse_config(LINEAR.replace("margin_mode: cross", "margin_mode: hedge"), "c.yaml", {})
    missing = tmp_path / "none.csv"
    config = parse_config(
        LINEAR.replace('funding_rate: "0.0001"', f"funding_file: {missing}"), "c.yaml", {}
    )
    with pytest.raises(ConfigError, match=r"paper.linear.funding_file: .*none.csv"):
        funding_rates(config)


def test_funding_comes_from_the_file_else_the_constant(tmp_path: Path) -> None:
    assert isinstance(funding_rates(parse_config(LINEAR, "c.yaml", {})), ConstantRate)
    off = parse_config(LINEAR.replace('"0.0001"', '"0"'), "c.yaml", {})
    assert funding_rates(off) is None
    path = tmp_path / "funding.csv"
    path.write_text("symbol,fundingRateTimestamp,fundingRate\nBTCUSDT,0,0.0003\n")
    config = parse_config(
        LINEAR.replace('funding_rate: "0.0001"', f"funding_file: {path}"), "c.yaml", {}
    )
    rates = funding_rates(config)
    assert isinstance(rates, RateSeries) and rates.rate("BTCUSDT", 10) == Decimal("0.0003")


async def test_a_linear_run_refuses_a_database_its_bots_traded_in_without_a_book(
    tmp_path: Path,
) -> None:
    config = parse_config(LINEAR, "c.yaml", {})
    database = await Database.open(tmp_path / "run.db")
    try:
        venue, store = await keep_paper_book(config, paper_venue(config), database)  # fresh
        assert isinstance(venue.exchange, PaperLinearExchange)
        assert store is not None  # the linear venue keeps its book in the database
        with pytest.raises(StartupError, match="fleet daemons share one paper account"):
            await keep_paper_book(config, paper_venue(config), database, fleet_tag="d1")
        journal = SqlJournal(database)
        await journal.register_bot("grid-btc", "BTCUSDT", "grid", {})
        fill = Fill(
            "f-1", "grid-btc-1", "BTCUSDT", Side.BUY, Decimal(20000), Decimal("0.01"),
            Decimal("0.04"), "USDT", Liquidity.MAKER, 1, "grid-btc", "",
        )  # fmt: skip
        await journal.record_fill(fill)
        await journal.settle()
        with pytest.raises(
            StartupError, match="grid-btc traded in this database, which keeps no paper book"
        ):
            await keep_paper_book(config, paper_venue(config), database)
    finally:
        await database.close()


async def test_a_linear_run_resumes_the_stored_book_and_refuses_it_as_spot(tmp_path: Path) -> None:
    config = parse_config(LINEAR, "c.yaml", {})
    database = await Database.open(tmp_path / "run.db")
    try:
        venue, _ = await keep_paper_book(config, paper_venue(config), database)
        exchange = venue.exchange
        assert isinstance(exchange, PaperLinearExchange)
        assert isinstance(venue.feed, CandleSeries)
        first = next(iter(venue.feed))
        exchange.on_candle(first)
        request = OrderRequest("grid-btc-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.01"))
        assert exchange.place_order_sync(request).status is OrderStatus.FILLED  # a long
        await exchange.persist(force=True)

        resumed, store = await keep_paper_book(config, paper_venue(config), database)
        again = resumed.exchange
        assert isinstance(again, PaperLinearExchange) and store is not None
        assert isinstance(resumed.feed, CandleSeries)
        assert next(iter(resumed.feed)).ts == first.close_time  # the replay goes on from there
        assert await again.positions() == await exchange.positions()
        assert again.balances_sync() == exchange.balances_sync()
        assert again.liquidation_price("BTCUSDT") == exchange.liquidation_price("BTCUSDT")

        spot = parse_config(SMALL_CONFIG, "c.yaml", {})
        with pytest.raises(StartupError, match="keeps a linear paper account"):
            await keep_paper_book(spot, paper_venue(spot), database)
    finally:
        await database.close()
