"""The regime router: which strategy a routed bot should run, and when it may switch.

The policy is pure: it sees confirmed regimes and engine time, and answers "switch to the route
of this regime now" or "stay". After a switch, a lock (default 2 h) holds the new strategy in
place so a market that flickers between regimes cannot thrash the bot; a regime that is still
different when the lock expires is switched to then. The switch itself (wind down, cancel,
hand over, start) is done by the bot runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from strategies.base import QUIET, Strategy, StrategyContext, Wake
from traderagent.domain import Candle, Fill, Intent, Order, Regime


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the routing table: a regime and the strategy config it runs."""

    regime: Regime
    label: str
    """Short description for the operator, e.g. 'grid, geometric'."""
    config: object
    """The strategy config (one of the StrategyConfig models)."""


class StrategyRouter:
    def __init__(self, routes: Mapping[Regime, Route], lock_ms: int) -> None:
        missing = [regime.value for regime in Regime if regime not in routes]
        if missing:
            raise ValueError(f"no route for {', '.join(missing)}")
        self.routes = dict(routes)
        self.lock_ms = lock_ms
        self.current: Route | None = None
        self.locked_until = 0
        self.switches = 0

    def route_for(self, regime: Regime) -> Route:
        return self.routes[regime]

    def decide(self, regime: Regime | None, now_ms: int) -> Route | None:
        """The route to switch to now, or None to stay with the current one."""
        if regime is None:
            return None
        route = self.routes[regime]
        if self.current is not None:
            if route.config == self.current.config:
                return None  # same strategy and parameters: nothing to hand over
            if now_ms < self.locked_until:
                return None
        return route

    def switched(self, route: Route, now_ms: int) -> None:
        if self.current is not None:
            self.switches += 1
        self.current = route
        self.locked_until = now_ms + self.lock_ms

    def lock_remaining_ms(self, now_ms: int) -> int:
        return max(0, self.locked_until - now_ms)


@dataclass(frozen=True, slots=True)
class RouterBinding:
    """What a routed bot carries: the policy, and how to build a route's strategy."""

    policy: StrategyRouter
    build: Callable[[Route], Strategy]
    close_on_switch: bool = False
    """Sell the position at market at a switch instead of handing it over."""


class AwaitingRegime:
    """A routed bot's strategy until the first regime is confirmed: it trades nothing."""

    kind = "router"

    def __init__(self, note: str) -> None:
        self.note = note

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def prime(self, history: Sequence[Candle]) -> None:
        return  # it decides nothing, so it has nothing to warm up

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def wake(self) -> Wake:
        return QUIET  # only a regime (the classifier's bar closes) changes anything

    def absorb(self, candle: Candle) -> None:
        return

    def describe(self) -> str:
        return f"waiting for a market regime: {self.note}"
