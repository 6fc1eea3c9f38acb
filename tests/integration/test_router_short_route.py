"""The router's BEAR_TREND row routed to a short trend by config (`bear_trend: short_trend`):
refused on spot in one line, and on linear perps a bear trend of the bundled weeks is traded
short by the trend follower."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from strategies.dca.config import DcaConfig
from strategies.trend.config import TrendConfig
from traderagent.config import ConfigError, parse_config
from traderagent.domain import Regime, Side
from traderagent.domain.events import OrderFilled, StrategySwitched
from traderagent.wiring.assembly import route_table
from traderagent.wiring.runtime import build_engine

ROUTED = """\
replay: {{data: bundled, speed: max, end: "2023-03-16T00:00:00Z"}}
{paper}
bots:
  - name: auto-btc
    router: {{capital: "4000", lock_minutes: 120, bear_trend: short_trend}}
"""
LINEAR = "paper: {balances: {USDT: '10000'}, category: linear, linear: {long_only: false}}"


def test_a_short_route_on_spot_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(ROUTED.format(paper=""), "r.yaml", {})
    message = str(err.value)
    assert "\n" not in message.strip()
    assert "its router routes to a short trend" in message
    assert "a spot market cannot" in message


def test_the_bear_trend_row_is_a_short_trend_only_when_configured() -> None:
    config = parse_config(ROUTED.format(paper=LINEAR), "r.yaml", {})
    router = config.bots[0].router
    assert router is not None
    route = route_table(router)[Regime.BEAR_TREND]
    assert isinstance(route.config, TrendConfig) and route.config.sides == "short"
    assert route.label == "trend follower, short"
    assert route_table(router)[Regime.BULL_TREND].config.sides == "long"  # type: ignore[attr-defined]
    default = router.model_copy(update={"bear_trend": "accumulate"})
    assert isinstance(route_table(default)[Regime.BEAR_TREND].config, DcaConfig)
    assert not default.shorts()


def test_a_bear_trend_is_traded_short(tmp_path: Path) -> None:
    events = asyncio.run(_run(tmp_path / "r.db"))
    switches = [e for e in events if isinstance(e, StrategySwitched)]
    bear = [s for s in switches if s.regime is Regime.BEAR_TREND]
    assert bear and all(s.new == "trend" for s in bear)
    # a sell that opened a short: the trend's entry sold while the bot was flat or short
    position = Decimal(0)
    opened_short = 0
    for event in events:
        if not isinstance(event, OrderFilled):
            continue
        fill = event.fill
        if fill.side is Side.SELL and position <= 0 and fill.tag.startswith("entry"):
            opened_short += 1
        position += fill.qty if fill.side is Side.BUY else -fill.qty
    assert opened_short > 0


async def _run(db: Path) -> list[object]:
    built = await build_engine(parse_config(ROUTED.format(paper=LINEAR), "r.yaml", {}), db)
    engine = built.engine
    events: list[object] = []
    for kind in (StrategySwitched, OrderFilled):
        engine.bus.subscribe(kind, events.append)
    await engine.run()
    await engine.close()
    return events
