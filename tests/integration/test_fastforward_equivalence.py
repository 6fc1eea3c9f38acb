"""Fast-forward changes nothing: the engine stepping every candle and the engine skipping
quiet spans make the same fills, the same orders, the same halts and switches, and the same
equity after every candle, for every strategy kind and with risk limits that trigger.

The engine's own stepped replay (`traderagent.engine.quiet_steps`: quiet candles stepped
synchronously in spans) is held to more: besides all that, the same regime readings, changes,
equity points and log lines, in the same order, and the same classifier and account-limit state,
as the reference stepping each candle through `EngineLoop.step` (`Engine.quiet_steps = False`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from traderagent.backtest.equity import equity_curve
from traderagent.backtest.fastforward import FastForward, enable_fast_forward
from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.config import parse_config
from traderagent.domain import OrderType
from traderagent.domain.events import (
    EquityUpdated,
    Event,
    HaltTriggered,
    IntentRejected,
    IntentResized,
    LogRecord,
    OrderFilled,
    OrderUpdated,
    RegimeChanged,
    RegimeUpdated,
    RiskBreached,
    StrategySwitched,
)
from traderagent.engine.orchestrator import Engine
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.wiring.runtime import assemble_engine

CONFIGS = Path(__file__).parents[2] / "configs"
DAY = 1440
WATCHED: tuple[type[Event], ...] = (
    OrderFilled,
    OrderUpdated,
    RiskBreached,
    HaltTriggered,
    StrategySwitched,
    IntentRejected,
    IntentResized,
)
STEPPED: tuple[type[Event], ...] = (
    *WATCHED,
    RegimeUpdated,
    RegimeChanged,
    EquityUpdated,
    LogRecord,
)
"""What a stepped replay publishes (a fast-forward feeds no classifier no routed bot uses)."""


@dataclass
class Run:
    engine: Engine
    journal: MemoryJournal
    events: list[Event]
    equity: list[Decimal] = field(default_factory=list)  # after each step (stepped runs)
    driver: FastForward | None = None
    steps: int = 0  # candles through `EngineLoop.step`


def example(name: str, **changes: Any) -> str:
    raw = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["replay"] = {"data": "bundled", "speed": "max"}
    for key, value in changes.items():
        raw[key] = value
    return yaml.safe_dump(raw)


def grid(**strategy: Any) -> dict[str, Any]:
    base = {"kind": "grid", "levels": 31, "amount_per_level": "250"}
    return {"name": "grid", "symbol": "BTCUSDT", "strategy": {**base, **strategy}}


def config_text(bots: list[dict[str, Any]], **top: Any) -> str:
    raw = {"replay": {"data": "bundled", "speed": "max"}, "bots": bots, **top}
    return yaml.safe_dump(raw)


async def run(text: str, candles: CandleSeries, fast: bool, quiet: bool = False) -> Run:
    """The reference (each candle through `EngineLoop.step`), the fast-forward (`fast`), or
    the engine's own stepped replay with its quiet steps (`quiet`)."""
    config = backtest_config(parse_config(text, "t.yaml", {}), bot=None, start=None, end=None)
    venue = backtest_venue(config, replay_window(config, candles, "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    engine.use_config(config)
    events: list[Event] = []
    for kind in WATCHED if fast else STEPPED:
        engine.bus.subscribe(kind, events.append)
    result = Run(engine, journal, events)
    if fast:
        result.driver = enable_fast_forward(engine)
        assert result.driver is not None
    else:
        engine.quiet_steps = quiet  # False: the reference, every candle through the loop's step
        step = engine.loop.step  # the loop steps each candle (`Engine._step` is its delegate)

        async def stepped(candle: Any) -> None:
            await step(candle)
            result.steps += 1
            if not quiet:
                result.equity.append(engine.equity)

        engine.loop.step = stepped  # type: ignore[method-assign]
    await engine.run()
    return result


def fill_rows(r: Run) -> list[tuple[object, ...]]:
    return [
        (f.ts, f.side, f.price, f.qty, f.fee, f.liquidity, f.client_order_id, f.tag)
        for f in r.journal.fills
    ]


def order_rows(r: Run) -> list[tuple[object, ...]]:
    return [
        (o.client_order_id, o.tag, o.side, o.type, o.qty, o.price, o.status, o.updated_ms)
        for o in r.journal.orders.values()
    ]


def event_rows(r: Run, kinds: tuple[type[Event], ...] = WATCHED) -> list[tuple[object, ...]]:
    return [(type(e).__name__, *_event_fields(e)) for e in r.events if isinstance(e, kinds)]


def _event_fields(e: Event) -> tuple[object, ...]:
    if isinstance(e, (RegimeUpdated, RegimeChanged, EquityUpdated, LogRecord)):
        return (repr(e),)  # every field (a warming reading holds NaN: compared as text)
    if isinstance(e, OrderUpdated):
        return (e.ts, e.order.client_order_id, e.order.status)
    if isinstance(e, OrderFilled):
        return (e.ts, e.fill.fill_id)
    return (e.ts, *(getattr(e, name) for name in ("bot", "reason") if hasattr(e, name)))


def assert_quiet_steps_equivalent(stepped: Run, quiet: Run) -> None:
    """The engine's own stepped replay against the reference, on everything it shows."""
    assert fill_rows(quiet) == fill_rows(stepped)
    assert order_rows(quiet) == order_rows(stepped)
    assert event_rows(quiet, STEPPED) == event_rows(stepped, STEPPED)
    assert quiet.journal.equity == stepped.journal.equity
    assert quiet.engine.equity == stepped.engine.equity
    assert quiet.engine.candles == stepped.engine.candles
    assert quiet.engine.prices == stepped.engine.prices
    assert repr(quiet.engine.regimes) == repr(stepped.engine.regimes)  # NaN while warming
    for symbol, classifier in stepped.engine.classifiers.items():
        fed = quiet.engine.classifiers[symbol]
        assert repr(getattr(fed, "reading", None)) == repr(getattr(classifier, "reading", None))
    for a, b in ((quiet.engine.equity_watch, stepped.engine.equity_watch),):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.peak, a.day, a.day_start) == (b.peak, b.day, b.day_start)
    for name, bot in stepped.engine.bots.items():
        other = quiet.engine.bots[name]
        assert (other.state, other.position, other.fills) == (bot.state, bot.position, bot.fills)
        assert other.last_price == bot.last_price
        assert other.strategy.describe() == bot.strategy.describe()
        assert list(other.history) == list(bot.history)


async def assert_equivalent(text: str, candles: CandleSeries) -> tuple[Run, Run]:
    stepped = await run(text, candles, fast=False)
    quiet = await run(text, candles, fast=False, quiet=True)
    assert_quiet_steps_equivalent(stepped, quiet)
    assert stepped.steps == len(candles) > quiet.steps  # quiet candles went in spans
    fast = await run(text, candles, fast=True)
    assert fill_rows(fast) == fill_rows(stepped)
    assert order_rows(fast) == order_rows(stepped)
    assert event_rows(fast) == event_rows(stepped)
    assert fast.journal.equity == stepped.journal.equity  # the recorded points, exactly
    assert fast.engine.equity == stepped.engine.equity
    assert fast.engine.candles == stepped.engine.candles == len(candles)
    for name, bot in stepped.engine.bots.items():
        other = fast.engine.bots[name]
        assert (other.state, other.position, other.fills) == (bot.state, bot.position, bot.fills)
        assert other.strategy.describe() == bot.strategy.describe()
        assert list(other.history) == list(bot.history)
    first = next(iter(fast.engine.bots.values())).instrument
    market = {c: o.created_ms for c, o in fast.journal.orders.items() if o.type is OrderType.MARKET}
    curve = equity_curve(
        candles,
        fast.journal.fills,
        balances=fast.engine.config.paper.balances if fast.engine.config else {},  # type: ignore[union-attr]
        base=first.base,
        quote=first.quote,
        market_orders=market,
    )
    reference = np.array([float(e) for e in stepped.equity])
    np.testing.assert_allclose(curve.values, reference, rtol=1e-9, atol=0)
    assert fast.driver is not None and fast.driver.skipped > 0
    return stepped, fast


@pytest.fixture(scope="module")
def bundled() -> CandleSeries:
    return load_bundled()


def days(series: CandleSeries, first: int, count: int) -> CandleSeries:
    return series.between(int(series.ts[first * DAY]), int(series.ts[(first + count) * DAY]))


CASES = {
    "grid-arithmetic": config_text([grid(lower="21000", upper="25000", levels=41)]),
    "grid-geometric-stop": example("grid-geometric"),
    "grid-atr-bounds": config_text(
        [grid(bounds={"atr_multiple": "3", "atr_period": 14, "interval": "1h"})]
    ),
    "grid-olhc-fill-model": config_text(
        [grid(lower="21000", upper="25000", levels=41)], paper={"fill_model": "olhc"}
    ),
    "dca": example("dca"),
    "trend": example("trend"),
    "trend-smc": example("trend-smc"),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_strategies_fill_the_same_when_fast_forwarded(
    case: str, bundled: CandleSeries
) -> None:
    stepped, fast = await assert_equivalent(CASES[case], days(bundled, 3, 6))
    assert stepped.journal.fills, "a case that trades nothing proves nothing"
    assert fast.driver is not None and fast.driver.stepped < len(fast.driver.series)


async def test_router_switches_the_same_when_fast_forwarded(bundled: CandleSeries) -> None:
    stepped, _ = await assert_equivalent(example("router"), days(bundled, 0, 10))
    assert any(isinstance(e, StrategySwitched) for e in stepped.events)
    assert stepped.journal.fills


async def test_daily_loss_halt_is_the_same_when_fast_forwarded(bundled: CandleSeries) -> None:
    text = config_text(
        [grid(lower="20000", upper="25000", stop_outside_pct=None)],
        risk={"max_daily_loss": "25", "max_drawdown_pct": None},
    )
    stepped, _ = await assert_equivalent(text, days(bundled, 6, 5))
    breaches = [e for e in stepped.events if isinstance(e, RiskBreached)]
    assert [b.limit for b in breaches] == ["max_daily_loss"]


async def test_drawdown_halt_and_stop_loss_are_the_same_when_fast_forwarded(
    bundled: CandleSeries,
) -> None:
    dca = {
        "name": "dca",
        "symbol": "BTCUSDT",
        "strategy": {"kind": "dca", "base_order": "500", "safety_order": "500"},
        "risk": {"stop_loss_pct": "1.5"},
    }
    text = config_text(
        [dca, {**grid(lower="19500", upper="26000"), "budget_pct": 50}],
        risk={"max_drawdown_pct": "3"},
        halt={"close_positions": True},
    )
    stepped, _ = await assert_equivalent(text, days(bundled, 3, 6))
    limits = [e.limit for e in stepped.events if isinstance(e, RiskBreached)]
    assert "stop_loss_pct" in limits and "max_drawdown_pct" in limits


async def test_a_paper_book_kept_in_sqlite_is_written_the_same_when_fast_forwarded(
    tmp_path: Path,
) -> None:
    """The stored book's cursor checkpoints (every 2 h of market time) are timers too."""
    from kit.factories import SMALL_CONFIG

    from traderagent.wiring.runtime import build_engine

    outcomes = []
    for fast in (False, True):
        built = await build_engine(
            parse_config(SMALL_CONFIG, "c.yaml", {}), tmp_path / f"{fast}.db"
        )
        engine = built.engine
        saves: list[int] = []
        venue = engine.exchange
        persist = venue.persist  # type: ignore[attr-defined]

        async def counted(
            force: bool = False, persist: Any = persist, venue: Any = venue, saves: Any = saves
        ) -> None:
            await persist(force)
            saves.append(venue._changes.saved_cursor_ms)

        venue.persist = counted  # type: ignore[attr-defined]
        if fast:
            assert enable_fast_forward(engine) is not None
        summary = await engine.run()
        fills = [(f.fill_id, f.ts, f.price, f.qty) for f in await venue.fills_since("BTCUSDT", 0)]
        outcomes.append((summary.fills, summary.final_equity, fills, sorted(set(saves))))
        await engine.close()
    assert outcomes[0][0] > 0
    assert outcomes[1] == outcomes[0]


async def test_a_stop_a_hair_above_an_off_tick_low_wakes_the_fast_forward() -> None:
    """Strategies read a candle's low on the tick: 97.004 is 97.00, below the DCA's stop at
    97.003 although the raw low is above it, so the quiet-span scan must wake on it too."""
    n, minute, t0 = 120, 60_000, 1_700_006_400_000
    close = np.full(n, 100.0)
    close[60:] = 97.5
    low = np.minimum(close, 100.0)
    low[60] = 97.004  # data on a finer tick than the instrument's
    opens = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(opens, close)
    low = np.minimum(low, opens)
    ts = t0 + np.arange(n, dtype=np.int64) * minute
    candles = CandleSeries("BTCUSDT", minute, ts, opens, high, low, close, np.full(n, 5.0))
    dca = {
        "kind": "dca",
        "base_order": "200",
        "safety_order": "200",
        "max_safety_orders": 0,
        "price_deviation": "10",
        "step_scale": "1",
        "take_profit": "1.2",
        "stop_loss": "2.997",
    }
    text = config_text([{"name": "dca", "symbol": "BTCUSDT", "strategy": dca}])
    stepped, fast = await assert_equivalent(text, candles)
    assert getattr(stepped.engine.bots["dca"].strategy, "stops", 0) == 1
    assert fast.driver is not None and fast.driver.stepped < n
