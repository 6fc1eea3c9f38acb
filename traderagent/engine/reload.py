"""Config reload: apply what can change safely while the engine runs, refuse the rest.

Safe: the account's and the bots' risk limits, budgets, autostart, the halt setting, a stopped
bot's strategy, and new bots on a symbol the engine already trades (added STOPPED). Not safe:
a running bot's strategy ("stop it first"), the venue, the replay, the storage, the regime
classifier. The engine keeps, as its config, the new file with every refused part left as it
was, so the next reload compares against what really runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from strategies.base import Strategy
from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.config import AppConfig, BotConfig, ConfigError
from traderagent.domain import BotState, Instrument
from traderagent.engine.allocator import CapitalAllocator, Funds
from traderagent.engine.bot import BotRuntime
from traderagent.engine.journal import TradeJournal
from traderagent.engine.risk import EquityWatch, RiskGate
from traderagent.engine.risk.gate import RiskAccount
from traderagent.engine.router import RouterBinding
from traderagent.exchanges.ports import Exchange, market_of
from traderagent.facade import CommandError, ReloadReport


class ReloadedEngine(Funds, RiskAccount, Protocol):
    """What a reload changes in the engine (`Engine` is one): its bots, limits and config."""

    config: AppConfig | None
    equity_watch: EquityWatch | None

    @property
    def bots(self) -> dict[str, BotRuntime]: ...

    @property
    def exchange(self) -> Exchange: ...

    @property
    def journal(self) -> TradeJournal: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def quote_asset(self) -> str: ...


class BotFactory(Protocol):
    """What a reload needs of the composition root (which builds the engine and passes this
    in): a bot's parts from its config. Raises ConfigError for a config that cannot trade."""

    def allocator(self, bots: Sequence[BotConfig]) -> CapitalAllocator:
        """The bots' budgets (ConfigError when they do not add up)."""
        ...

    def strategy(self, bot: BotConfig, index: int, instrument: Instrument) -> Strategy:
        """The bot's starting strategy (`index`: its place in `bots`, for error locations)."""
        ...

    def router(self, bot: BotConfig, index: int, instrument: Instrument) -> RouterBinding | None:
        """The bot's regime router, or None for a bot with one strategy."""
        ...


VENUE_SECTIONS = ("mode", "exchange", "paper", "replay", "storage")
RESTART_SECTIONS = ("regime", "equity_interval_minutes")
STRATEGY_FIELDS = ("strategy", "router", "smc")


@dataclass
class ReloadPlan:
    """The difference between the running config and the new one, sorted into safe and not."""

    risk_changed: bool = False
    rebuild: list[str] = field(default_factory=list)
    """Stopped bots whose strategy, router or SMC filter changed."""
    added: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    kept: dict[str, BotConfig] = field(default_factory=dict)
    """Bots whose running config stays as it was (a refused change, or gone from the file)."""
    kept_sections: list[str] = field(default_factory=list)


def plan_reload(
    current: AppConfig, new: AppConfig, states: Mapping[str, BotState], symbols: set[str]
) -> ReloadPlan:
    """Sort every difference between `current` and `new`; `states` are the bots' states now and
    `symbols` the symbols the engine has market data and an instrument for."""
    plan = ReloadPlan()
    for section in VENUE_SECTIONS:
        if getattr(current, section) != getattr(new, section):
            plan.kept_sections.append(section)
            plan.refused.append(f"`{section}` is the venue: restart to change it")
    for section in RESTART_SECTIONS:
        if getattr(current, section) != getattr(new, section):
            plan.kept_sections.append(section)
            plan.refused.append(f"`{section}` applies at the next start only: restart to change it")
    if current.risk != new.risk:
        plan.risk_changed = True
        plan.applied.append("account risk limits updated")
    if current.halt != new.halt:
        plan.applied.append(f"halt.close_positions is now {new.halt.close_positions}")
    old_bots = {bot.name: bot for bot in current.bots}
    for bot in new.bots:
        old = old_bots.get(bot.name)
        if old is None:
            _plan_new_bot(plan, bot, symbols)
        elif old != bot:
            _plan_changed_bot(plan, old, bot, states.get(bot.name, BotState.STOPPED))
    for name, old in old_bots.items():
        if name not in {bot.name for bot in new.bots}:
            plan.kept[name] = old
            plan.refused.append(f"{name} is gone from the file: it stays until a restart")
    return plan


def _plan_new_bot(plan: ReloadPlan, bot: BotConfig, symbols: set[str]) -> None:
    if bot.symbol not in symbols:
        plan.refused.append(
            f"{bot.name}: {bot.symbol} has no market data in this engine: restart to add it"
        )
        return
    plan.added.append(bot.name)
    plan.applied.append(f"{bot.name} added (STOPPED: press s to start it)")


def _plan_changed_bot(plan: ReloadPlan, old: BotConfig, bot: BotConfig, state: BotState) -> None:
    if old.symbol != bot.symbol:
        plan.kept[bot.name] = old
        plan.refused.append(f"{bot.name}: the symbol cannot change: restart to change it")
        return
    strategy_changed = any(getattr(old, f) != getattr(bot, f) for f in STRATEGY_FIELDS)
    if strategy_changed and state is not BotState.STOPPED:
        # keep the running strategy, but take the bot's safe changes (risk, budget, autostart)
        plan.kept[bot.name] = bot.model_copy(update={f: getattr(old, f) for f in STRATEGY_FIELDS})
        plan.refused.append(
            f"{bot.name} is {state.value}: stop it first (s) to change its strategy"
        )
    elif strategy_changed:
        plan.rebuild.append(bot.name)
        plan.applied.append(f"{bot.name}: strategy parameters updated")
    if old.risk != bot.risk:
        plan.risk_changed = True
        plan.applied.append(f"{bot.name}: risk limits updated")
    if old.budget_pct != bot.budget_pct:
        plan.applied.append(f"{bot.name}: budget_pct is now {bot.budget_pct}")
    if old.autostart != bot.autostart:
        plan.applied.append(f"{bot.name}: autostart {'on' if bot.autostart else 'off'}")


def running_config(current: AppConfig, new: AppConfig, plan: ReloadPlan) -> AppConfig:
    """`new`, with every refused part as it runs now."""
    sections = {name: getattr(current, name) for name in plan.kept_sections}
    added = set(plan.added)
    bots = [plan.kept.get(bot.name, bot) for bot in new.bots]
    bots = [b for b in bots if b.name in added or b.name in {c.name for c in current.bots}]
    bots += [old for name, old in plan.kept.items() if name not in {b.name for b in bots}]
    return new.model_copy(update={**sections, "bots": bots})


async def apply_reload(
    engine: ReloadedEngine, new: AppConfig, factory: BotFactory | None
) -> ReloadReport:
    """Apply `new` to `engine`, building bots' parts with `factory` (the caller holds the
    engine's lock)."""
    current = engine.config
    if current is None:
        raise CommandError("this engine does not know the config it was built from")
    if factory is None:
        raise CommandError("this engine was built without a bot factory: restart to reload")
    states = {name: bot.state for name, bot in engine.bots.items()}
    symbols = {bot.symbol for bot in engine.bots.values()}
    plan = plan_reload(current, new, states, symbols)
    config = running_config(current, new, plan)
    applied, refused = list(plan.applied), list(plan.refused)
    try:
        factory.allocator(config.bots)  # budgets that do not add up: refuse before any change
    except ConfigError as err:
        return ReloadReport((), (*refused, str(err)))
    for index, bot_config in enumerate(config.bots):
        name = bot_config.name
        try:
            if name in plan.added:
                await _add_bot(engine, config, index, factory)
            elif name in plan.rebuild:
                await _rebuild_strategy(engine, config, index, factory)
        except ConfigError as err:  # e.g. a grid whose levels do not fit the instrument
            refused.append(f"{name}: {err}")
            applied = [
                a for a in applied if not a.startswith((f"{name}: strategy", f"{name} added"))
            ]
            config = _without_change(config, current, name)
    _refresh_limits(engine, config, factory)
    engine.config = config
    return ReloadReport(tuple(applied), tuple(refused))


async def _add_bot(
    engine: ReloadedEngine, config: AppConfig, index: int, factory: BotFactory
) -> None:
    bot_config = config.bots[index]
    model = next(b for b in engine.bots.values() if b.symbol == bot_config.symbol)
    strategy = factory.strategy(bot_config, index, model.instrument)
    bot = BotRuntime(
        bot_config.name,
        strategy,
        model.instrument,
        engine.exchange,
        engine.journal,
        engine.bus,
        engine.clock,
        close_positions_on_halt=config.halt.close_positions,
        recovery_delays=model.recovery_delays,
        router=factory.router(bot_config, index, model.instrument),
    )
    bot.funds = engine
    bot.history.extend(model.history)  # the same symbol's candles prime its strategy at start
    await engine.journal.register_bot(
        bot.name,
        bot.symbol,
        strategy.kind,
        bot_config.model_dump(mode="json"),
        market=market_of(engine.exchange),
    )
    engine.bots[bot.name] = bot


async def _rebuild_strategy(
    engine: ReloadedEngine, config: AppConfig, index: int, factory: BotFactory
) -> None:
    bot_config = config.bots[index]
    bot = engine.bots[bot_config.name]
    strategy = factory.strategy(bot_config, index, bot.instrument)
    router = factory.router(bot_config, index, bot.instrument)
    bot.use_strategy(strategy, router)
    await engine.journal.register_bot(
        bot.name,
        bot.symbol,
        strategy.kind,
        bot_config.model_dump(mode="json"),
        market=market_of(engine.exchange),
    )


def _refresh_limits(engine: ReloadedEngine, config: AppConfig, factory: BotFactory) -> None:
    """Risk gates, budgets and the halt setting of every bot from `config`; the account's
    limits keep the day's start and the peak they measure from."""
    allocator = factory.allocator(config.bots)
    if engine.equity_watch is None:
        engine.equity_watch = EquityWatch(config.risk, engine.quote_asset)
    else:
        engine.equity_watch.config = config.risk
    gross = config.risk.limits_entries
    for bot_config in config.bots:
        bot = engine.bots.get(bot_config.name)
        if bot is None:
            continue
        bot.allocator = allocator
        bot.close_positions_on_halt = config.halt.close_positions
        if bot_config.risk is None and not gross:
            bot.risk = None
        else:
            bot.risk = RiskGate(bot.instrument, bot_config.risk, config.risk, engine)


def _without_change(config: AppConfig, current: AppConfig, name: str) -> AppConfig:
    """`config` with bot `name` as it was (dropped if it is new)."""
    old = {bot.name: bot for bot in current.bots}.get(name)
    bots = [old if bot.name == name else bot for bot in config.bots]
    return config.model_copy(update={"bots": [b for b in bots if b is not None]})
