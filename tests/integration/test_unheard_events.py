"""Events nobody listens to are not built (`EventBus.wants`), and that changes nothing: a
replay with no listener records what a replay with one on every event records, and the
listener sees every fill, order update, stepped candle and equity point."""

from __future__ import annotations

from collections import Counter

from traderagent.backtest.fastforward import FastForward, enable_fast_forward
from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.config import parse_config
from traderagent.domain import OrderStatus
from traderagent.domain.events import CandleClosed, EquityUpdated, Event, OrderFilled, OrderUpdated
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import assemble_engine

GRID = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "200"}
"""


async def replay(listen: bool) -> tuple[MemoryJournal, list[Event], FastForward]:
    config = backtest_config(parse_config(GRID, "t.yaml", {}), bot=None)
    venue = backtest_venue(config, replay_window(config, load_bundled(), "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    heard: list[Event] = []
    if listen:
        engine.bus.subscribe(Event, heard.append)
    driver = enable_fast_forward(engine)
    assert driver is not None
    await engine.run()
    return journal, heard, driver


def record(journal: MemoryJournal) -> tuple[object, ...]:
    return (
        [repr(f) for f in journal.fills],
        [repr(o) for o in journal.orders.values()],
        list(journal.equity),
        {bot: journal.snapshot_versions(bot) for bot in journal.bots},
    )


async def test_a_replay_nobody_listens_to_records_the_same() -> None:
    quiet, nothing, _ = await replay(listen=False)
    heard_journal, heard, driver = await replay(listen=True)
    assert nothing == []
    assert record(quiet) == record(heard_journal)
    kinds = Counter(type(e) for e in heard)
    assert heard_journal.fills and kinds[OrderFilled] == len(heard_journal.fills)
    assert kinds[EquityUpdated] == len(heard_journal.equity)
    assert kinds[CandleClosed] == driver.stepped
    # each order once as placed, and again when the venue filled or cancelled it
    done = (OrderStatus.FILLED, OrderStatus.CANCELLED)
    closed = sum(o.status in done for o in heard_journal.orders.values())
    assert kinds[OrderUpdated] == len(heard_journal.orders) + closed
