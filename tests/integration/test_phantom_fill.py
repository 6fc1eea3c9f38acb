"""No phantom fills: a market order that fills at once on the paper venue is never journalled
`Filled` without the venue's stored book holding that fill. The process is "killed" (a
BaseException nothing catches) right after one of the two writes; the database is then read
back as a restarted process would, and recovery repairs what the journal lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from storage import Database, SqlJournal
from traderagent.domain import ZERO, Order, OrderStatus, OrderType, PlaceOrder, Side
from traderagent.engine.execution import Execution
from traderagent.engine.recovery import reconcile
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, PaperExchange
from traderagent.exchanges.paper.stored_book import PaperBook
from traderagent.wiring.paper_store import DatabaseBookStore

T0 = 1_700_000_000_000
BOT = "grid-btc"
BTCUSDT = DEFAULT_INSTRUMENTS["BTCUSDT"]
BUY = PlaceOrder("buy", Side.BUY, Decimal("0.01"), type=OrderType.MARKET)


class Killed(BaseException):
    """SIGKILL, as far as the code under test can tell: nothing after it runs."""


class KilledAfterFilledRow(SqlJournal):
    """The journal: the process dies right after it writes an order row saying Filled."""

    async def record_order(self, order: Order, seq: int | None = None) -> None:
        await super().record_order(order, seq)
        if order.status is OrderStatus.FILLED:
            raise Killed


class KilledAfterBookSave(DatabaseBookStore):
    """The venue's store: the process dies right after the book is written."""

    async def save(self, changes: PaperBook) -> None:
        await super().save(changes)
        raise Killed


def venue(store: DatabaseBookStore, book: PaperBook | None) -> PaperExchange:
    exchange = PaperExchange(DEFAULT_INSTRUMENTS, {"USDT": Decimal(10_000)}, now_ms=lambda: T0)
    exchange.attach_store(store, book)
    if book is None:
        exchange.skip_quiet("BTCUSDT", 20_000.0, T0)
    return exchange


@pytest.fixture
async def db_file(tmp_path: Path) -> AsyncIterator[Path]:
    path = tmp_path / "ta.db"
    database = await Database.open(path)  # the schema, as the first run made it
    await database.close()
    yield path


async def place_until_killed(journal: SqlJournal, store: DatabaseBookStore) -> None:
    execution = Execution(BOT, BTCUSDT, venue(store, None), journal)
    try:
        with pytest.raises(Killed):
            await execution.place(BUY, Decimal(20_000), T0)
    finally:
        await journal.database.close()


async def restarted(path: Path) -> tuple[SqlJournal, PaperBook | None]:
    journal = await SqlJournal.open(path)
    return journal, await DatabaseBookStore(journal.database).load()


async def test_a_fill_the_journal_records_is_in_the_venue_s_stored_book(db_file: Path) -> None:
    journal = KilledAfterFilledRow(await Database.open(db_file))
    await place_until_killed(journal, DatabaseBookStore(journal.database))

    journal, book = await restarted(db_file)
    try:
        [row] = await journal.orders_of(BOT)
        assert row.status is OrderStatus.FILLED  # the journal says it executed...
        assert book is not None  # ...so the venue's book must say so too
        assert [f.client_order_id for f in book.fills] == [row.client_order_id]
        assert {s.order.client_order_id: s.order.status for s in book.orders} == {
            row.client_order_id: OrderStatus.FILLED
        }
    finally:
        await journal.close()


async def test_killed_between_the_book_and_the_journal_recovery_records_the_fill(
    db_file: Path,
) -> None:
    database = await Database.open(db_file)
    await place_until_killed(SqlJournal(database), KilledAfterBookSave(database))

    journal, book = await restarted(db_file)
    try:
        [row] = await journal.orders_of(BOT)
        assert row.status is OrderStatus.NEW  # the journal had not heard of the fill yet
        assert book is not None and len(book.fills) == 1
        exchange = venue(DatabaseBookStore(journal.database), book)
        reconciled = await reconcile(BOT, "BTCUSDT", exchange, journal, T0)
        [fill] = reconciled.recorded_fills
        assert fill.client_order_id == row.client_order_id
        assert reconciled.position.qty > ZERO  # the bought coin, net of its fee
        [after] = await journal.orders_of(BOT)
        assert after.status is OrderStatus.FILLED
    finally:
        await journal.close()
