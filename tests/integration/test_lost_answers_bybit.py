"""Fail closed when answers are lost (hummingbot #8457): a proxy in front of the emulator lets
order creates through but answers them HTTP 504, and answers order look-ups 503 for a while.
Such an order is unknown, never `Rejected`: its level stays taken (nothing else is placed
there), its journal row stays `New`, and once the look-ups answer the bot adopts it; an
order the exchange never got is closed then, and only then its level may be placed again."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from kit.fault_proxy import creates, fault_proxy, lookups
from kit.waits import wait_until

from traderagent.api.metrics import EngineCollector, StreamStats
from traderagent.api.observer import EngineObserver
from traderagent.config import AppConfig, parse_config
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import build_engine
from tui.render_bot import bot_detail

BOT = "grid-emu"
CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: {url}
  category: spot
  credentials: emulator
  timeout_s: 2
  max_attempts: 2
  reconnect_max_delay_s: 0.5
bots:
  - name: grid-emu
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""
LOST = 5


def journal(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select client_order_id, status from orders"))


SHIPPED = Path(__file__).parents[2] / "configs" / "bybit-emulator.yaml"


def quick_config(url: str) -> AppConfig:
    return parse_config(CONFIG.format(url=url), "lost.yaml", {})


def shipped_config(url: str) -> AppConfig:
    """configs/bybit-emulator.yaml as shipped (10 s timeout, 4 attempts, 41 levels)."""
    return parse_config(SHIPPED.read_text(), str(SHIPPED), {"TRADERAGENT_EMULATOR_URL": url})


@pytest.mark.parametrize(
    ("configure", "lookups_down_s"),
    [(quick_config, 6), (shipped_config, 20)],
    ids=["quick", "shipped"],
)
async def test_orders_whose_answer_was_lost_stay_unknown_and_are_adopted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    configure: Callable[[str], AppConfig],
    lookups_down_s: float,
) -> None:
    async with (
        running_emulator(load_bundled().head(120), speed=None) as emu,
        fault_proxy(emu.rest_url) as proxy,
    ):
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        db = tmp_path / "lost.db"
        built = await build_engine(configure(proxy.url), db)
        engine = built.engine
        bot = engine.bots[BOT]
        run = asyncio.create_task(engine.run())
        await wait_until(lambda: bot.recovered, 30, "the bot reconciling at start")
        proxy.lose_answer(creates, times=LOST)
        proxy.fail(lookups, 503, for_s=lookups_down_s)
        while engine.candles == 0:  # until the feed is subscribed and its first candle in
            await emu.step(1)
            await asyncio.sleep(0.1)
        # the grid placed its levels on that candle: the first five answers were lost
        await wait_until(lambda: bot.orders_placed > LOST, 60, "the five lost, one more placed")
        assert len(proxy.lost) == LOST and proxy.failed
        unsure_at_first = len(bot.unsure)
        snap = engine.snapshot()
        shown = bot_detail(snap.bots[0], snap).plain
        scraped = {
            m.name: m.samples[0].value
            for m in EngineCollector(engine, EngineObserver(engine), StreamStats()).collect()
            if m.name == "traderagent_unknown_orders"
        }
        during = journal(db)
        await wait_until(lambda: not proxy.active_rules(), 60, "the look-ups answering again")
        for _ in range(3):  # each candle the bot asks again for what it does not know
            seen = engine.candles
            await emu.step(1)
            await wait_until(lambda seen=seen: engine.candles > seen, 30, "the next candle")
        assert isinstance(engine.exchange, BybitExchange)
        await engine.exchange.catch_up(10)
        after = journal(db)
        unsure_after = len(bot.unsure)
        await engine.shutdown()
        await run
        await engine.close()
        venue = [o for o in emu.orders() if o.order_link_id.startswith(f"{BOT}-")]

    lost_ids = {f"{BOT}-{seq}" for seq in range(1, LOST + 1)}  # the first five sent
    assert lost_ids <= {o.order_link_id for o in venue}  # each one went through
    # while unknown: journalled New, never Rejected, though each one is live on the venue
    assert {cid: during[cid] for cid in lost_ids} == dict.fromkeys(lost_ids, "New")
    assert unsure_at_first == LOST == snap.bots[0].unknown_orders
    assert f"{LOST} of unknown fate" in shown  # the TUI's bot pane says so
    assert scraped == {"traderagent_unknown_orders": LOST}  # and so does /metrics
    # nothing was placed twice at a level: one resting order per price on the venue
    resting = Counter((o.side, o.price) for o in venue if o.status in ("New", "PartiallyFilled"))
    assert resting and all(n == 1 for n in resting.values()), resting
    # once the look-ups answer, each is settled: the journal says what the venue says
    assert unsure_after == 0
    for order in venue:
        assert after[order.order_link_id] == order.status, order.order_link_id
    links = Counter(o.order_link_id for o in venue)
    assert all(n == 1 for n in links.values())
