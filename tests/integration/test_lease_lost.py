"""A lease lost while the bot runs stops the trading at once: before its next order the bot
asks its lease, finds it gone, and every bot goes to EMERGENCY with the reason; nothing more is
sent, and neither trades, snapshots nor the paper book are written after that (another process
may run the bots now). On PostgreSQL the lease's session is dropped for real."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG
from unit.storage.backends import postgres_execute, postgres_url, reset_postgres

from storage import BotLease
from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.wiring.paper_store import DatabaseBookStore
from traderagent.wiring.runtime import Built, LeasedJournal, build_engine

__all__ = ["postgres_url"]  # fixture

LOST = "lost the lease of bot grid-btc: its PostgreSQL session was dropped (test)"


class LostLease(BotLease):
    """A lease whose session has gone, as the keep-alive would find it."""

    async def _release(self) -> None:
        return None

    async def is_held(self) -> bool:
        return False

    @property
    def lost_reason(self) -> str:
        return LOST


async def trades_after_loss(built: Built) -> tuple[list[object], object]:
    """The orders the journal holds and the paper book the database holds."""
    journal = built.journal
    orders = list(await journal.orders_of("grid-btc"))
    return orders, await DatabaseBookStore(journal.database).load()


def assert_stopped_on(built: Built, reason_part: str) -> None:
    engine = built.engine
    bot = engine.bots["grid-btc"]
    assert bot.state is BotState.EMERGENCY
    assert reason_part in bot.state_reason
    assert reason_part in engine.finish_reason
    assert bot.orders_placed == 0  # the grid's first orders were never sent


async def test_a_lost_lease_halts_before_the_first_order_and_writes_nothing(
    tmp_path: Path,
) -> None:
    config = parse_config(SMALL_CONFIG, "c.yaml", {})
    built = await build_engine(config, tmp_path / "l.db")
    journal = built.journal
    assert isinstance(journal, LeasedJournal)
    try:
        held = journal.leases[0]
        journal.leases[0] = LostLease("grid-btc")
        await built.engine.run()
        journal.leases[0] = held
        assert_stopped_on(built, LOST)
        orders, book = await trades_after_loss(built)
        assert orders == []
        assert book is None  # the venue never wrote its book over whoever runs it now
    finally:
        await built.engine.close()


@pytest.mark.postgres
async def test_a_dropped_postgres_session_halts_the_bot_before_its_next_order(
    postgres_url: str,
) -> None:
    await reset_postgres(postgres_url)
    text = f'{SMALL_CONFIG}storage:\n  database_url: "{postgres_url}"\n'
    built = await build_engine(parse_config(text, "c.yaml", {}))
    try:
        me = f"traderagent pid={os.getpid()} host={socket.gethostname()}"[:63]
        killed = await postgres_execute(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            me,
        )
        assert [row[0] for row in killed] == [True]
        await built.engine.run()
        assert_stopped_on(built, "lost the lease of bot grid-btc")
        orders, book = await trades_after_loss(built)
        assert orders == []
        assert book is None
    finally:
        await built.engine.close()
