"""StubEngine: the part of EngineAPI that Telegram uses, over a real EventBus; records commands."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from traderagent.bus import EventBus, EventStream
from traderagent.domain import (
    Balance,
    BotState,
    Fill,
    Liquidity,
    Regime,
    RegimeReading,
    Side,
    TradingMode,
)
from traderagent.domain.events import BotStateChanged, Event, HaltTriggered
from traderagent.facade import BotSnapshot, CommandError, EngineSnapshot
from traderagent.ledger import TradeLedger, closed_trades

CLOCK_MS = 1_677_650_400_000
"""2023-03-01 06:00 UTC."""


def bots() -> dict[str, BotSnapshot]:
    grid = BotSnapshot(
        name="grid-btc",
        symbol="BTCUSDT",
        strategy="grid",
        state=BotState.RUNNING,
        position_qty=Decimal("0.012900"),
        avg_price=Decimal("22050.00"),
        realised_pnl=Decimal("12.35"),
        unrealised_pnl=Decimal("-3.20"),
        fills=7,
        open_orders=3,
        last_price=Decimal("22150.00"),
    )
    dca = BotSnapshot(
        name="dca-eth",
        symbol="ETHUSDT",
        strategy="dca",
        state=BotState.PAUSED,
        realised_pnl=Decimal("-1.05"),
        state_reason="paused by operator",
    )
    return {grid.name: grid, dca.name: dca}


def fill(n: int, side: Side = Side.BUY, ts: int = CLOCK_MS, bot: str = "grid-btc") -> Fill:
    return Fill(
        fill_id=f"f-{n}",
        client_order_id=f"{bot}-{n}",
        symbol="BTCUSDT",
        side=side,
        price=Decimal("22150.00"),
        qty=Decimal("0.004300"),
        fee=Decimal("0.019"),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=ts,
        bot=bot,
    )


def reading(regime: Regime, ts: int = CLOCK_MS) -> RegimeReading:
    return RegimeReading("BTCUSDT", ts, regime, regime, ts, 35.2, 31.0, 12.0, 0.42, 2.0, 1.0)


class StubEngine:
    """Snapshots of two bots (grid-btc running, dca-eth paused); commands change their state."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.bots = bots()
        self.equity = Decimal("10012.35")
        self.calls: list[tuple[object, ...]] = []
        self.fail_next: Exception | None = None
        self.fills: list[Fill] = []
        """What `closed_trades` matches (empty: no trade yet)."""

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            mode=TradingMode.PAPER,
            venue="paper",
            clock_ms=CLOCK_MS,
            equity=self.equity,
            starting_equity=Decimal("10000.00"),
            bots=tuple(self.bots.values()),
            running=True,
            day_pnl=Decimal("12.35"),
            drawdown_pct=Decimal("1.2"),
            drawdown_limit_pct=Decimal("15"),
            balances=(
                Balance("BTC", Decimal("0.012900")),
                Balance("USDT", Decimal("9400.50"), Decimal("300.00")),
            ),
        )

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self.bus.stream(kinds, maxsize)

    async def pause_bot(self, name: str) -> None:
        self._record("pause_bot", name)
        self._move(name, BotState.RUNNING, BotState.PAUSED)

    async def resume_bot(self, name: str) -> None:
        self._record("resume_bot", name)
        self._move(name, BotState.PAUSED, BotState.RUNNING)

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        self._record("halt", name, reason)
        for bot in list(self.bots.values()):
            self.bots[bot.name] = replace(bot, state=BotState.EMERGENCY, state_reason=reason)
            self.bus.publish(HaltTriggered(CLOCK_MS, bot.name, reason, bot.open_orders))

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        self._record("closed_trades", bot)
        if bot is not None and bot not in self.bots:
            raise CommandError(f"no bot named {bot!r}")
        return (
            closed_trades(self.fills, {"grid-btc": "grid"})
            if bot is None
            else (closed_trades(self.fills, {"grid-btc": "grid"}).of(bot))
        )

    def _record(self, *call: object) -> None:
        self.calls.append(call)
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure

    def _move(self, name: str, old: BotState, new: BotState) -> None:
        if name not in self.bots:
            raise CommandError(f"unknown bot {name!r}")
        bot = self.bots[name]
        if bot.state is not old:
            raise CommandError(f"{name} is {bot.state.value}; cannot go to {new.value}")
        self.bots[name] = replace(bot, state=new)
        self.bus.publish(BotStateChanged(CLOCK_MS, name, old, new))
