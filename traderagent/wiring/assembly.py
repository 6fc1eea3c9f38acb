"""From bot configs to engine parts: each bot's strategy or regime router, the capital
allocator, and a regime classifier per traded symbol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from strategies.base import Strategy, StrategyError
from strategies.catalog import build_strategy as make_strategy
from traderagent.config import AppConfig, ConfigError
from traderagent.config.models import BotConfig
from traderagent.config.routing import RouterConfig
from traderagent.domain import Instrument, Regime
from traderagent.engine.allocator import AllocationError, CapitalAllocator
from traderagent.engine.orchestrator import Engine
from traderagent.engine.risk import EquityWatch, RiskGate
from traderagent.engine.router import AwaitingRegime, Route, RouterBinding, StrategyRouter
from traderagent.regime import RegimeClassifier


def bot_strategy(bot: BotConfig, index: int, instrument: Instrument) -> Strategy:
    """The bot's starting strategy: its configured one, or, for a routed bot, a placeholder
    that trades nothing until the first regime is confirmed."""
    if bot.strategy is None:
        return AwaitingRegime("the regime classifier is warming up")
    try:
        return make_strategy(bot.strategy, instrument, bot.smc)
    except StrategyError as err:
        raise ConfigError(f"bots[{index}].strategy: {err}") from None
    except ArithmeticError:  # a price or amount too large or too fine for exact arithmetic
        raise ConfigError(out_of_range(f"bots[{index}].strategy", instrument)) from None


def out_of_range(where: str, instrument: Instrument) -> str:
    return (
        f"{where}: a price or amount is out of range for {instrument.symbol} (tick "
        f"{instrument.tick_size}, lot {instrument.lot_size}): use values of the market's size"
    )


def router_binding(bot: BotConfig, index: int, instrument: Instrument) -> RouterBinding | None:
    if bot.router is None:
        return None
    routes = route_table(bot.router)
    for route in routes.values():  # a route that cannot trade is a config error, found now
        where = f"bots[{index}].router.routes.{route.regime}"
        try:
            make_strategy(route.config, instrument, bot.smc)  # type: ignore[arg-type]
        except StrategyError as err:
            raise ConfigError(f"{where}: {err}") from None
        except ArithmeticError:
            raise ConfigError(out_of_range(where, instrument)) from None

    def build(route: Route) -> Strategy:
        return make_strategy(route.config, instrument, bot.smc)  # type: ignore[arg-type]

    return RouterBinding(
        StrategyRouter(routes, bot.router.lock_minutes * 60_000),
        build,
        close_on_switch=bot.router.handover == "close",
    )


def route_table(router: RouterConfig) -> dict[Regime, Route]:
    return {
        regime: Route(regime, router.label(regime, config, regime in router.routes), config)
        for regime, config in router.table().items()
    }


def route_labels(config: AppConfig) -> dict[str, str]:
    """Regime -> route label of the first routed bot, for the regime pane."""
    for bot in config.bots:
        if bot.router is not None:
            return {regime.value: route.label for regime, route in route_table(bot.router).items()}
    return {}


def capital_allocator(
    bots: Sequence[BotConfig], fee_reserve: Decimal = Decimal(0)
) -> CapitalAllocator:
    """The bots' budgets; each buy must leave room for `fee_reserve` (the venue's fee lock)."""
    try:
        return CapitalAllocator({bot.name: bot.budget_pct for bot in bots}, fee_reserve)
    except AllocationError as err:
        raise ConfigError(f"bots: {err}") from None


def regime_classifiers(config: AppConfig) -> dict[str, RegimeClassifier]:
    return {bot.symbol: RegimeClassifier(config.regime, bot.symbol) for bot in config.bots}


def attach_risk(engine: Engine, config: AppConfig) -> None:
    """Hand the risk limits over: the account's daily loss and drawdown to the engine, and to
    each bot with limits a gate (its trade and pair limits, the account's gross exposure)."""
    engine.equity_watch = EquityWatch(config.risk, engine.quote_asset)
    for bot_config in config.bots:
        if bot_config.risk is None and not config.risk.limits_entries:
            continue  # nothing to check per intent: no gate, no cost per order
        bot = engine.bots.get(bot_config.name)
        if bot is None:
            continue  # runs in another daemon of the fleet
        bot.risk = RiskGate(bot.instrument, bot_config.risk, config.risk, engine)


@dataclass(frozen=True, slots=True)
class ConfigBots:
    """The engine's bot factory (`traderagent.engine.reload.BotFactory`): a reload builds new
    bots' parts here, as the engine's were built, without the engine importing this module."""

    fee_reserve: Decimal = Decimal(0)
    """The venue's fee lock, which every buy of the allocator leaves room for."""

    def allocator(self, bots: Sequence[BotConfig]) -> CapitalAllocator:
        return capital_allocator(bots, self.fee_reserve)

    def strategy(self, bot: BotConfig, index: int, instrument: Instrument) -> Strategy:
        return bot_strategy(bot, index, instrument)

    def router(self, bot: BotConfig, index: int, instrument: Instrument) -> RouterBinding | None:
        return router_binding(bot, index, instrument)
