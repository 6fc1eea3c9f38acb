"""A bot on the paper venue's linear perpetuals: its position is signed, a halt closes a short
with a reduce-only buy, the allocator budgets a short by margin, the risk limits count a
short, and a liquidation reaches the bot (position flat, strategy re-synced, logged, counted).
Figures by hand: BTCUSDT 10x isolated, MMR 0.5 %, taker fee 0.055 %."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from strategies.base import StrategyContext
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import (
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Position,
    Purpose,
    Side,
)
from traderagent.domain.events import LogRecord
from traderagent.engine.allocator import CapitalAllocator
from traderagent.engine.bot import BotRuntime
from traderagent.engine.risk import AccountView, RiskGate, bot_book
from traderagent.engine.risk.limits import review
from traderagent.engine.snapshots import bot_snapshot, stop_price
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.exchanges.ports import ExchangeUpdate

D = Decimal
T0 = 1_677_628_800_000
MINUTE = 60_000
BTC = Instrument("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("5"))


class Scripted:
    """Places `start` on its first candle; records what the engine tells it."""

    kind = "scripted"

    def __init__(self, start: list[Intent]) -> None:
        self.start = start
        self.fills: list[Fill] = []
        self.completed: list[str] = []  # tags of the orders a fill completed
        self.resumed: list[Decimal] = []  # the position each on_resume saw

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return self.start

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        self.fills.append(fill)
        if order.status is OrderStatus.FILLED:
            self.completed.append(order.tag)
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        self.resumed.append(ctx.position_qty)
        return []

    def prime(self, history: Sequence[Candle]) -> None:
        return None

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def describe(self) -> str:
        return "scripted"


class Funds:
    def __init__(self, equity: str) -> None:
        self.equity = D(equity)
        self.free_quote = D(equity)

    def lock_quote(self, amount: Decimal) -> None:
        self.free_quote -= amount


class Rig:
    def __init__(self, start: list[Intent], **bot: object) -> None:
        self.clock = ReplayClock(T0)
        self.venue = PaperLinearExchange(
            {"BTCUSDT": BTC}, {"USDT": D(10000)}, now_ms=self.clock.now_ms,
            leverage={"BTCUSDT": D(10)},
        )  # fmt: skip
        self.updates: list[ExchangeUpdate] = []
        self.venue.set_listener(self.updates.append)
        self.sent: list[OrderRequest] = []
        place = self.venue.place_order

        async def spy(request: OrderRequest) -> Order:
            self.sent.append(request)
            return await place(request)

        self.venue.place_order = spy  # type: ignore[method-assign]
        self.strategy = Scripted(start)
        self.bus = EventBus()
        self.logs: list[LogRecord] = []
        self.bus.subscribe(LogRecord, self.logs.append)
        self.journal = MemoryJournal(clock_ms=self.clock.now_ms)
        self.bot = BotRuntime(
            "t", self.strategy, BTC, self.venue, self.journal, self.bus, self.clock,
            **bot,  # type: ignore[arg-type]
        )  # fmt: skip
        self.minute = 0

    async def candle(self, o: float, h: float, low: float, c: float) -> None:
        ts = T0 + self.minute * MINUTE
        self.minute += 1
        bar = Candle("BTCUSDT", ts, o, h, low, c, 1.0)
        await self.clock.advance_to(ts + MINUTE)
        self.venue.on_candle(bar)
        await self.pump()
        await self.bot.on_candle(bar, D(repr(c)))
        await self.pump()

    async def pump(self) -> None:
        while self.updates:
            update = self.updates.pop(0)
            if isinstance(update, Fill):
                await self.bot.on_fill(update)
            else:
                await self.bot.on_order(update)


def short(qty: str = "0.5") -> PlaceOrder:
    return PlaceOrder("entry1", Side.SELL, D(qty), type=OrderType.MARKET)


async def started(rig: Rig) -> Rig:
    await rig.journal.register_bot("t", "BTCUSDT", "scripted", {})
    await rig.bot.start()
    return rig


async def test_a_halt_closes_a_short_with_a_reduce_only_buy() -> None:
    rig = await started(Rig([short()], close_positions_on_halt=True))
    await rig.candle(20000, 20000, 20000, 20000)
    # sold 0.5 at 20 000: a short, fee 0.5 x 20 000 x 0.00055 = 5.5
    assert (rig.bot.position.qty, rig.bot.position.avg_price) == (D("-0.5"), D(20000))
    assert rig.bot.position.realised_pnl == D("-5.5")
    await rig.candle(20000, 20000, 19000, 19000)
    await rig.bot.halt("test halt")
    await rig.pump()
    close = rig.sent[-1]
    assert (close.tag, close.side, close.qty, close.reduce_only) == (
        "close",
        Side.BUY,
        D("0.5"),
        True,
    )
    # bought back at 19 000: (20 000 - 19 000) x 0.5 = 500, fee 0.5 x 19 000 x 0.00055 = 5.225
    assert rig.bot.position.qty == 0
    assert rig.bot.position.realised_pnl == D("-5.5") + D(500) - D("5.225")
    assert await rig.venue.positions() == []


async def test_the_allocator_budgets_a_short_by_its_margin() -> None:
    """A 10 % budget of 10 000 is 1 000 of margin: at 10x a 10 000 notional, 0.5 BTC at
    20 000. A sell of 0.8 is cut to 0.5; the position then commits its 1 000 of margin."""
    budget = CapitalAllocator({"t": D(10)})
    rig = await started(Rig([short("0.8")], allocator=budget, funds=Funds("10000")))
    await rig.candle(20000, 20000, 20000, 20000)
    assert rig.sent[0].qty == D("0.5")
    assert rig.bot.position.qty == D("-0.5")
    assert rig.bot.committed_capital() == D(1000)
    assert rig.bot.allocator_refusals == 0


async def test_a_liquidation_reaches_the_bot_and_its_strategy() -> None:
    """Short 0.5 at 20 000, 10x: IM 1 000, MM 50, liq 20 000 + 950 / 0.5 = 21 900, bust
    22 000. A high of 21 900 liquidates it: (20 000 - 22 000) x 0.5 = -1 000, no fee."""
    rig = await started(Rig([short()]))
    await rig.candle(20000, 20000, 20000, 20000)
    assert rig.venue.book.liquidation_price("BTCUSDT") == D(21900)
    await rig.candle(20000, 21900, 20000, 21500)
    assert rig.venue.liquidations == 1
    assert rig.bot.liquidations == 1
    assert rig.bot.position.qty == 0
    assert rig.bot.position.realised_pnl == D("-5.5") - D(1000)
    assert rig.strategy.resumed == [D(0)]  # told: it re-syncs to a flat position
    text = [r.message for r in rig.logs]
    assert any("LIQUIDATED" in m and "t-liq1" in m for m in text)
    assert not any("unknown order" in m for m in text)


def test_the_risk_limits_count_a_short_and_pass_its_reduce_only_buy() -> None:
    pair = PairRiskConfig(max_position_qty=D("0.6"))
    book = bot_book(Position("BTCUSDT", D("-0.5"), D(20000)), [], D(20000), signed=True)
    view = AccountView(D(10000), book.exposure)
    assert book.exposure == D(10000)  # |-0.5| x 20 000
    more = review(short("0.3"), book, view, BTC, pair)
    assert more.intent is not None and more.intent.qty == D("0.1")  # 0.5 short + 0.1 = 0.6
    cover = PlaceOrder("stop1", Side.BUY, D("0.5"), D(21000), OrderType.STOP_MARKET,
                       Purpose.STOP, True)  # fmt: skip
    assert review(cover, book, view, BTC, pair).intent == cover


class Account:
    equity = D(10000)
    gross_exposure = D(0)
    gross_margin = D(0)


async def test_a_stop_loss_above_a_shorts_entry_buys_it_back_reduce_only() -> None:
    """stop_loss_pct 5: a short from 20 000 breaches at a mark of 21 000 (5 % above)."""
    rig = await started(Rig([short()]))
    rig.bot.risk = RiskGate(BTC, PairRiskConfig(stop_loss_pct=D(5)), RiskConfig(), Account())
    await rig.candle(20000, 20000, 20000, 20000)
    assert stop_price(rig.bot) == D(21000)
    await rig.candle(20000, 20990, 20000, 20990)  # 4.95 % above: no breach
    assert rig.bot.position.qty == D("-0.5")
    await rig.candle(20990, 21000, 20990, 21000)
    stop = rig.sent[-1]
    assert (stop.tag, stop.side, stop.qty, stop.reduce_only) == (
        "risk-stop",
        Side.BUY,
        D("0.5"),
        True,
    )
    assert rig.bot.position.qty == 0
    assert any("5.00% above the average entry" in r.message for r in rig.logs)


async def test_a_bots_margin_limit_cuts_its_short_at_the_venues_leverage() -> None:
    """max_position_margin 600 at the venue's 10x: 6 000 notional, 0.3 BTC at 20 000; the
    0.5 sell is cut to 0.3, logged with the figures, and the bot's margin is then 600."""
    rig = await started(Rig([short()]))
    pair = PairRiskConfig(max_position_margin=D(600))
    rig.bot.risk = RiskGate(BTC, pair, RiskConfig(), Account())
    await rig.candle(20000, 20000, 20000, 20000)
    assert rig.sent[0].qty == D("0.3")
    assert rig.bot.position.qty == D("-0.3")
    book = rig.bot.risk_book()
    assert (book.leverage, book.margin) == (D(10), D(600))
    assert any(
        "order entry1 resized: resized 0.5 -> 0.300" in r.message
        and "at 10x would exceed max_position_margin 600" in r.message
        for r in rig.logs
    )


async def test_the_bots_snapshot_shows_its_liquidation_price_and_band() -> None:
    """Short 0.5 at 20 000, 10x: liq 21 900. At 21 000 the mark is 4.29 % from it (warning
    within 5 %), at 21 500 1.86 % (danger within 2.5 %)."""
    rig = await started(Rig([short()]))
    await rig.candle(20000, 20000, 20000, 20000)
    view = bot_snapshot(rig.bot)
    assert (view.liquidation_price, view.liquidation_level) == (D(21900), "")
    await rig.candle(20000, 21000, 20000, 21000)
    assert bot_snapshot(rig.bot).liquidation_level == "warning"
    await rig.candle(21000, 21500, 21000, 21500)
    danger = bot_snapshot(rig.bot)
    assert danger.liquidation_level == "danger"
    assert danger.liquidation_distance_pct == (D(21900) - D(21500)) / D(21500) * 100
    assert bot_snapshot(rig.bot, warning_pct=D(1)).liquidation_level == ""  # configurable


async def test_a_reduce_only_order_cut_to_the_position_is_filled_not_left_open() -> None:
    """Short 0.5; two reduce-only buys of 0.4 rest below. A low of 19 300 fills the first
    (short 0.1 left), so the venue cuts the second to 0.1 and says so before its fill: the
    bot's order is complete, its strategy told so, and nothing stays open."""
    closes = [
        PlaceOrder(t, Side.BUY, D("0.4"), D(p), reduce_only=True)
        for t, p in (("tp1", "19500"), ("tp2", "19400"))
    ]
    rig = await started(Rig([short(), *closes]))
    await rig.candle(20000, 20000, 20000, 20000)
    assert sorted(o.tag for o in rig.bot.orders.values()) == ["tp1", "tp2"]
    await rig.candle(20000, 20000, 19300, 19300)
    assert rig.bot.position.qty == 0
    assert rig.bot.orders == {}
    assert rig.strategy.completed == ["entry1", "tp1", "tp2"]
    tp2 = next(o for o in await rig.journal.orders_of("t") if o.tag == "tp2")
    assert (tp2.status, tp2.qty, tp2.filled_qty) == (OrderStatus.FILLED, D("0.1"), D("0.1"))
