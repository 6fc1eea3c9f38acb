"""A routed bot on the bundled real data: it follows the regime, switches gracefully and rarely."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from traderagent.config import parse_config
from traderagent.domain import OrderStatus, Regime
from traderagent.domain.events import OrderFilled, OrderUpdated, RegimeChanged, StrategySwitched
from traderagent.wiring.runtime import build_engine

ROUTED = """\
replay: {data: bundled, speed: max, end: "2023-03-16T00:00:00Z"}
bots:
  - name: auto-btc
    router: {capital: "4000", lock_minutes: 120}
"""

DAY_MS = 86_400_000
EXPECTED_KINDS = {
    Regime.TIGHT_RANGE: "grid",
    Regime.WIDE_RANGE: "grid",
    Regime.QUIET_TRANSITION: "grid",
    Regime.VOLATILE_TRANSITION: "dca",
    Regime.BULL_TREND: "trend",
    Regime.BEAR_TREND: "dca",
}


@pytest.fixture(scope="module")
def routed_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One replay shared by the tests of this module (it takes a few seconds)."""
    return asyncio.run(_run(tmp_path_factory.mktemp("router") / "r.db"))


async def _run(db: Path) -> dict[str, object]:
    built = await build_engine(parse_config(ROUTED, "r.yaml", {}), db)
    engine = built.engine
    events: list[object] = []
    for kind in (StrategySwitched, RegimeChanged, OrderFilled, OrderUpdated):
        engine.bus.subscribe(kind, events.append)
    summary = await engine.run()
    balances = await engine.exchange.balances()
    bot = engine.bots["auto-btc"]
    result = {
        "events": events,
        "summary": summary,
        "balances": balances,
        "open_generations": {bot.order_generation[c] for c in bot.orders},
        "generation": bot.generation,
    }
    await engine.close()
    with sqlite3.connect(db) as conn:
        result["stored_strategies"] = [
            row[0] for row in conn.execute("select kind from strategies order by ts, id")
        ]
    return result


async def test_switches_follow_the_regime_to_the_table(routed_run: dict[str, object]) -> None:
    events = routed_run["events"]
    assert isinstance(events, list)
    switches = [e for e in events if isinstance(e, StrategySwitched)]
    changes = [e for e in events if isinstance(e, RegimeChanged)]
    assert {s.new for s in switches} == {"grid", "dca", "trend"}  # every strategy kind ran
    for switch in switches:
        assert switch.new == EXPECTED_KINDS[switch.regime]
        latest = [c for c in changes if c.ts <= switch.ts][-1]
        assert latest.new == switch.regime  # a switch acts on the confirmed regime
    # every switch is kept in the database, in order
    assert routed_run["stored_strategies"] == [s.new for s in switches]
    # the sell-off of 9-10 March accumulates, the rally of 13 March follows the trend
    by_kind = [(s.ts, s.new) for s in switches]
    assert any(kind == "dca" and ts < 1678492800000 for ts, kind in by_kind)  # before 11 Mar
    assert any(kind == "trend" and ts >= 1678665600000 for ts, kind in by_kind)  # from 13 Mar


async def test_no_thrashing(routed_run: dict[str, object]) -> None:
    events = routed_run["events"]
    assert isinstance(events, list)
    times = [e.ts for e in events if isinstance(e, StrategySwitched)]
    per_day = Counter(ts // DAY_MS for ts in times)
    assert max(per_day.values()) <= 3
    assert all(b - a >= 120 * 60_000 for a, b in zip(times, times[1:], strict=False))


async def test_outgoing_orders_are_gone_and_money_adds_up(routed_run: dict[str, object]) -> None:
    events = routed_run["events"]
    assert isinstance(events, list)
    # only the current strategy has orders resting at the end
    assert routed_run["open_generations"] <= {routed_run["generation"]}
    fills = [e.fill for e in events if isinstance(e, OrderFilled)]
    spent = sum((f.price * f.qty for f in fills if f.side == "Buy"), Decimal(0))
    received = sum((f.price * f.qty for f in fills if f.side == "Sell"), Decimal(0))
    fees = sum((f.fee for f in fills if f.fee_asset == "USDT"), Decimal(0))  # buys pay in BTC
    balances = routed_run["balances"]
    assert isinstance(balances, dict)
    assert balances["USDT"].total == Decimal(10000) - spent + received - fees
    cancelled_at_switch = [
        e for e in events if isinstance(e, OrderUpdated) and e.order.status is OrderStatus.CANCELLED
    ]
    assert cancelled_at_switch  # winding down cancelled resting orders
