"""Config reload on the real engine (`r` in the console): what applies, what is refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG

from traderagent.config import AppConfig, parse_config
from traderagent.domain import BotState
from traderagent.engine.orchestrator import Engine
from traderagent.facade import CommandError
from traderagent.wiring.runtime import build_engine

SECOND_BOT = """\
  - name: grid-two
    symbol: BTCUSDT
    autostart: false
    strategy: {kind: grid, lower: "22500", upper: "23500", levels: 11, amount_per_level: "100"}
"""


def config(text: str = SMALL_CONFIG) -> AppConfig:
    return parse_config(text, "reload.yaml", {})


async def engine_of(tmp_path: Path) -> Engine:
    built = await build_engine(config(), tmp_path / "reload.db")
    built.engine.use_config(config())
    return built.engine


async def test_risk_limits_apply_at_once(tmp_path: Path) -> None:
    engine = await engine_of(tmp_path)
    new = config(SMALL_CONFIG + 'risk: {max_daily_loss: "250"}\n')
    report = await engine.reload_config(new)
    assert report.applied == ("account risk limits updated",)
    assert report.refused == ()
    assert engine.equity_watch is not None
    assert engine.equity_watch.config.max_daily_loss == Decimal(250)
    limits = [v.limit for v in engine.snapshot().risk_limits]
    assert "max_daily_loss" in limits
    await engine.close()


async def test_a_running_bots_strategy_is_refused_a_stopped_ones_applied(tmp_path: Path) -> None:
    engine = await engine_of(tmp_path)
    changed = config(SMALL_CONFIG.replace("levels: 21", "levels: 11"))
    await engine.start_bot("grid-btc")
    strategy = engine.bots["grid-btc"].strategy
    report = await engine.reload_config(changed)
    assert report.refused == ("grid-btc is STARTING: stop it first (s) to change its strategy",)
    assert engine.bots["grid-btc"].strategy is strategy
    await engine.stop_bot("grid-btc")
    report = await engine.reload_config(changed)
    assert report.applied == ("grid-btc: strategy parameters updated",)
    assert engine.bots["grid-btc"].strategy is not strategy
    assert ("levels", "11") in engine.snapshot().bots[0].parameters
    await engine.close()


async def test_new_bots_are_added_stopped_and_the_venue_is_refused(tmp_path: Path) -> None:
    engine = await engine_of(tmp_path)
    new = config(
        SMALL_CONFIG.replace("  speed: max", "  speed: 60") + SECOND_BOT.replace("  - ", "  - ", 1)
    )
    report = await engine.reload_config(new)
    assert "grid-two added (STOPPED: press s to start it)" in report.applied
    assert any(r.startswith("`replay` is the venue") for r in report.refused)
    assert engine.bots["grid-two"].state is BotState.STOPPED
    assert engine.config is not None
    assert engine.config.replay.speed == "max"  # the refused part stays as it runs
    again = await engine.reload_config(new)
    assert again.applied == ()  # compared against what runs now: the bot is there already
    await engine.close()


async def test_a_bot_on_a_symbol_without_data_is_refused(tmp_path: Path) -> None:
    engine = await engine_of(tmp_path)
    report = await engine.reload_config(
        config(SMALL_CONFIG + SECOND_BOT.replace("symbol: BTCUSDT", "symbol: ETHUSDT"))
    )
    assert report.refused == (
        "grid-two: ETHUSDT has no market data in this engine: restart to add it",
    )
    assert "grid-two" not in engine.bots
    await engine.close()


async def test_a_reload_builds_through_the_factory_the_builder_passed_in(tmp_path: Path) -> None:
    engine = await engine_of(tmp_path)
    built: list[str] = []
    factory = engine.bot_factory
    assert factory is not None

    class Recording:
        def allocator(self, bots):  # type: ignore[no-untyped-def]
            return factory.allocator(bots)

        def strategy(self, bot, index, instrument):  # type: ignore[no-untyped-def]
            built.append(bot.name)
            return factory.strategy(bot, index, instrument)

        def router(self, bot, index, instrument):  # type: ignore[no-untyped-def]
            return factory.router(bot, index, instrument)

    engine.bot_factory = Recording()
    report = await engine.reload_config(config(SMALL_CONFIG.replace("levels: 21", "levels: 11")))
    assert report.applied == ("grid-btc: strategy parameters updated",)
    assert built == ["grid-btc"]
    engine.bot_factory = None
    with pytest.raises(CommandError, match="without a bot factory"):
        await engine.reload_config(config())
    await engine.close()
