"""One paper account, two venues (two fleet daemons) on one database, each running its own bot:
what each writes adds to the stored balances rather than replacing them, each venue rebases
on what the other moved, ids never collide, and a bot handed from one venue to the other keeps
its resting order (with the funds it locks) and fills there. The stored balances always equal
the opening ones plus every stored fill, exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from storage import Database
from traderagent.domain import Balance, Candle, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, PaperExchange
from traderagent.wiring.paper_store import DatabaseBookStore

OPENING = {"USDT": Decimal(10_000)}
T0 = 1_700_000_000_000


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "fleet.db")
    yield opened
    await opened.close()


async def venue(database: Database, tag: str, bots: list[str]) -> PaperExchange:
    """A fleet daemon's paper venue, as `venues.keep_paper_book` builds it."""
    exchange = PaperExchange(DEFAULT_INSTRUMENTS, OPENING, now_ms=lambda: T0)
    store = DatabaseBookStore(database, shared=True)
    book = await store.load(bots)
    exchange.use_id_tag(tag)
    if book is None:
        store.opening(exchange.balances_sync())
    exchange.attach_store(store, book)
    exchange.skip_quiet("BTCUSDT", 20_000.0, T0)
    return exchange


def limit_buy(bot: str, seq: int, price: str) -> OrderRequest:
    return OrderRequest(
        f"{bot}-{seq}", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(price), bot
    )


def market_buy(bot: str, seq: int) -> OrderRequest:
    return OrderRequest(
        f"{bot}-{seq}", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.02"), None, bot
    )


async def stored(database: Database) -> tuple[dict[str, Balance], list[str]]:
    book = await DatabaseBookStore(database).load()
    assert book is not None and book.balances is not None
    return dict(book.balances), [f.fill_id for f in book.fills]


async def assert_exact(database: Database) -> dict[str, Balance]:
    """Stored balances == opening + every stored fill (free + locked per asset)."""
    book = await DatabaseBookStore(database).load()
    assert book is not None and book.balances is not None
    expected = {"USDT": OPENING["USDT"], "BTC": Decimal(0)}
    for fill in book.fills:
        sign = 1 if fill.side is Side.BUY else -1
        expected["BTC"] += sign * fill.qty
        expected["USDT"] -= sign * fill.qty * fill.price
        expected[fill.fee_asset] -= fill.fee
    held = {a: b.free + b.locked for a, b in book.balances.items()}
    assert held == expected
    assert len({f.fill_id for f in book.fills}) == len(book.fills)
    return dict(book.balances)


async def test_two_venues_add_to_one_account_and_hand_a_bot_over(database: Database) -> None:
    a = await venue(database, "aaaa", ["bot-a"])
    b = await venue(database, "bbbb", ["bot-b"])

    resting = a.place_order_sync(limit_buy("bot-a", 1, "19000"))
    assert resting.status is OrderStatus.NEW
    filled_a = a.place_order_sync(market_buy("bot-a", 2))
    await a.persist(force=True)
    filled_b = b.place_order_sync(market_buy("bot-b", 1))
    await b.persist(force=True)
    assert filled_a.status is filled_b.status is OrderStatus.FILLED
    balances = await assert_exact(database)  # b added to a's write: nothing overwritten
    assert balances["BTC"].free + balances["BTC"].locked > Decimal("0.039")  # both buys
    assert b.balances_sync() == balances  # b rebased on what a moved
    _, fill_ids = await stored(database)
    assert sorted(fill_ids) == ["paper-aaaa-1", "paper-bbbb-1"]  # tagged: never the same id

    # a hands bot-a over (stored first), b adopts its resting order and fills it
    await a.persist(force=True)
    assert a.forget("bot-a") == 1
    assert a.open_orders_sync() == []
    locked_usdt = balances["USDT"].locked
    assert locked_usdt > 0  # the resting buy's lock stays on the account
    store_b = DatabaseBookStore(database)
    b.adopt(await store_b.load_bots(["bot-a"]))
    assert [o.client_order_id for o in b.open_orders_sync()] == ["bot-a-1"]
    b.on_candle(Candle("BTCUSDT", T0, 20_000.0, 20_000.0, 18_900.0, 19_500.0, 1.0))
    assert b.get_order_sync("BTCUSDT", "bot-a-1").status is OrderStatus.FILLED  # type: ignore[union-attr]
    await b.persist(force=True)
    balances = await assert_exact(database)
    assert balances["USDT"].locked == 0  # the lock came back with the fill, once
    assert b.balances_sync() == balances

    # a trades on with what b moved since: rebased at its next write, still exact
    a_more = a.place_order_sync(market_buy("bot-c", 1))
    assert a_more.status is OrderStatus.FILLED
    await a.persist(force=True)
    final = await assert_exact(database)
    assert a.balances_sync() == final
    _, fill_ids = await stored(database)
    assert len(fill_ids) == 4
