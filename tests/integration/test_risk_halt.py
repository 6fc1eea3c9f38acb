"""The portfolio halt end to end: the bundled replay through the March 2023 sell-off, with
a tight daily-loss limit (and a tight drawdown on two bots), in the engine and at the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from kit.factories import write_config

from traderagent.config import parse_config
from traderagent.domain import BotState, OrderStatus
from traderagent.domain.events import (
    EquityUpdated,
    HaltTriggered,
    OrderUpdated,
    RiskBreached,
)
from traderagent.wiring.runtime import build_engine
from tui.event_lines import event_line

LIMIT = Decimal(150)
SELL_OFF = """\
mode: paper
replay:
  data: bundled
  speed: max
  start: "2023-03-09T00:00:00Z"
  end: "2023-03-11T00:00:00Z"
equity_interval_minutes: {interval}
risk:
  max_daily_loss: "{limit}"
bots:
  - name: grid-btc
    strategy:
      kind: grid
      lower: "19500"
      upper: "22500"
      levels: 31
      spacing: arithmetic
      amount_per_level: "200"
"""


def day_of(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).date().isoformat()


def first_daily_loss_breach(points: list[EquityUpdated], limit: Decimal) -> EquityUpdated:
    """The first equity point whose loss since its UTC day's first candle exceeds `limit`."""
    day_start: dict[str, Decimal] = {}
    for point in points:
        day = day_of(point.ts - 60_000)  # a point is stamped at its candle's close
        start = day_start.setdefault(day, point.equity)
        if start - point.equity > limit:
            return point
    raise AssertionError("the replay never lost that much in a day")


async def test_a_tight_daily_loss_limit_halts_the_bot_on_the_day_it_is_breached(
    tmp_path: Path,
) -> None:
    config = parse_config(SELL_OFF.format(interval=1, limit=LIMIT), "c.yaml", {})
    built = await build_engine(config, tmp_path / "halt.db")
    engine = built.engine
    bot = engine.bots["grid-btc"]
    points: list[EquityUpdated] = []
    halts: list[HaltTriggered] = []
    breaches: list[RiskBreached] = []
    placed_at_halt: list[int] = []
    orders: list[OrderUpdated] = []
    engine.bus.subscribe(EquityUpdated, points.append)
    engine.bus.subscribe(RiskBreached, breaches.append)
    engine.bus.subscribe(OrderUpdated, orders.append)

    def on_halt(event: HaltTriggered) -> None:
        halts.append(event)
        placed_at_halt.append(bot.orders_placed)

    engine.bus.subscribe(HaltTriggered, on_halt)
    summary = await engine.run()

    expected = first_daily_loss_breach(points, LIMIT)  # measured from the equity stream alone
    assert [h.bot for h in halts] == ["grid-btc"]
    halt = halts[0]
    assert halt.ts == expected.ts  # halted on the very candle the loss crossed the limit
    assert day_of(halt.ts) in ("2023-03-09", "2023-03-10")  # the sell-off
    assert halt.reason.startswith("daily loss ")
    assert f"exceeds the limit {LIMIT} USDT ({day_of(halt.ts)}; max_daily_loss)" in halt.reason
    assert halt.cancelled_orders > 0
    assert len(breaches) == 1
    breach = breaches[0]
    assert (breach.scope, breach.limit, breach.bot, breach.threshold) == (
        "portfolio",
        "max_daily_loss",
        None,
        LIMIT,
    )
    assert breach.value > LIMIT and breach.reason == halt.reason
    line = event_line(halt)  # what the TUI's log pane shows for it
    assert line is not None and f"HALT grid-btc: {halt.reason}" in line.plain

    # nothing placed after the halt; the bot stays in EMERGENCY to the end of the data
    assert bot.orders_placed == placed_at_halt[0]
    assert not [o for o in orders if o.ts > halt.ts and o.order.status is OrderStatus.NEW]
    assert bot.orders == {}
    assert summary.candles == 2 * 1440
    assert summary.bots[0].state is BotState.EMERGENCY
    assert summary.bots[0].state_reason == halt.reason
    assert engine.snapshot().bots[0].state is BotState.EMERGENCY

    await engine.acknowledge("grid-btc")
    assert bot.state is BotState.STOPPED
    await engine.close()


async def test_a_drawdown_breach_halts_every_bot_on_the_account(tmp_path: Path) -> None:
    text = SELL_OFF.format(interval=60, limit=100_000).replace(
        'risk:\n  max_daily_loss: "100000"\n', "risk:\n  max_drawdown_pct: 1\n"
    )
    text += text[text.index("  - name: grid-btc") :].replace("grid-btc", "grid-two")
    config = parse_config(text, "c.yaml", {})
    assert len(config.bots) == 2
    built = await build_engine(config, tmp_path / "dd.db")
    engine = built.engine
    halts: list[HaltTriggered] = []
    breaches: list[RiskBreached] = []
    engine.bus.subscribe(HaltTriggered, halts.append)
    engine.bus.subscribe(RiskBreached, breaches.append)
    await engine.run()
    await engine.close()

    assert [(b.limit, b.bot) for b in breaches] == [("max_drawdown_pct", None)]
    assert breaches[0].value > 1

    assert sorted(h.bot for h in halts) == ["grid-btc", "grid-two"]
    assert len({(h.ts, h.reason) for h in halts}) == 1  # one breach, one reason, both halted
    assert "exceeds the limit 1% (max_drawdown_pct)" in halts[0].reason
    assert all(bot.state is BotState.EMERGENCY for bot in engine.bots.values())


def test_headless_run_shows_the_halted_bot_and_why(tmp_path: Path) -> None:
    path = write_config(tmp_path, SELL_OFF.format(interval=60, limit=LIMIT))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "traderagent",
            "run",
            "--headless",
            "--no-api",
            "--config",
            str(path),
        ]
        + ["--db", str(tmp_path / "cli.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("grid-btc "))
    assert row.split()[1] == "EMERGENCY"
    why = next(line for line in out.splitlines() if "grid-btc halted:" in line)
    assert "daily loss " in why
    assert re.search(rf"exceeds the limit {LIMIT} USDT \(2023-03-(09|10); max_daily_loss\)", why)
