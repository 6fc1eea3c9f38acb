"""Trade and pair limits in the running engine: a grid on the bundled replay of 9-10 March
2023 meets max_open_orders, max_order_notional, the allocator, and its stop loss."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from traderagent.config import parse_config
from traderagent.domain import BotState, OrderStatus, OrderType, Side
from traderagent.domain.events import (
    BotStateChanged,
    CandleClosed,
    IntentRejected,
    IntentResized,
    OrderFilled,
    OrderUpdated,
    RiskBreached,
)
from traderagent.engine.stop_out import RISK_STOP_TAG
from traderagent.wiring.runtime import build_engine

GRID = """\
mode: paper
replay:
  data: bundled
  speed: max
  start: "2023-03-09T00:00:00Z"
  end: "2023-03-11T00:00:00Z"
bots:
  - name: grid-btc
{extra}    strategy:
      kind: grid
      lower: "19500"
      upper: "22500"
      levels: 31
      spacing: arithmetic
      amount_per_level: "200"
"""


def grid(extra: str) -> str:
    return GRID.format(extra="".join(f"    {line}\n" for line in extra.splitlines()))


async def test_open_orders_and_order_notional_stay_within_the_limits(tmp_path: Path) -> None:
    config = parse_config(
        grid('risk:\n  max_open_orders: 8\n  max_order_notional: "150"'), "c.yaml", {}
    )
    built = await build_engine(config, tmp_path / "limits.db")
    engine = built.engine
    bot = engine.bots["grid-btc"]
    most_buys = [0]
    placed: list[OrderUpdated] = []
    fills: list[OrderFilled] = []
    rejected: list[IntentRejected] = []
    resized: list[IntentResized] = []

    def count_buys(_: CandleClosed) -> None:
        buys = sum(1 for o in bot.orders.values() if o.side is Side.BUY)
        most_buys[0] = max(most_buys[0], buys)

    engine.bus.subscribe(CandleClosed, count_buys)
    engine.bus.subscribe(OrderFilled, fills.append)
    engine.bus.subscribe(IntentRejected, rejected.append)
    engine.bus.subscribe(IntentResized, resized.append)
    engine.bus.subscribe(
        OrderUpdated, lambda e: placed.append(e) if e.order.status is OrderStatus.NEW else None
    )
    await engine.run()
    await engine.close()

    assert 0 < most_buys[0] <= 8
    assert {r.limit for r in rejected} >= {"max_open_orders"}
    assert all("open orders reach max_open_orders 8" in r.reason for r in rejected)
    assert resized and {r.limit for r in resized} == {"max_order_notional"}
    assert all(r.placed < r.asked for r in resized)
    buys = [e.order for e in placed if e.order.side is Side.BUY and e.order.price is not None]
    assert buys and all(o.qty * o.price <= 150 for o in buys if o.price is not None)
    market_buys = [f.fill for f in fills if f.fill.side is Side.BUY and f.fill.tag == "seed"]
    assert market_buys and all(f.notional <= 150 for f in market_buys)  # filled at the mark


async def test_the_allocator_reports_resized_and_refused_buys_with_their_reason(
    tmp_path: Path,
) -> None:
    config = parse_config(grid("budget_pct: 5"), "c.yaml", {})  # 500 of 10,000 USDT
    built = await build_engine(config, tmp_path / "budget.db")
    engine = built.engine
    cut: list[IntentResized | IntentRejected] = []
    engine.bus.subscribe(IntentResized, cut.append)
    engine.bus.subscribe(IntentRejected, cut.append)
    await engine.run()
    shown = engine.snapshot().bots[0]  # what the risk pane draws as the bot's budget bar
    bot = engine.bots["grid-btc"]
    await engine.close()
    assert shown.quote == "USDT"
    assert shown.budget == engine.equity * Decimal("0.05")
    assert shown.committed == bot.committed_capital() > 0
    assert any(isinstance(e, IntentResized) for e in cut)
    assert any(isinstance(e, IntentRejected) for e in cut)
    assert {e.limit for e in cut} == {"allocator"}
    assert all("bot budget" in e.reason or "free" in e.reason for e in cut)


async def test_a_stop_loss_sells_the_position_at_market_and_pauses_the_bot(
    tmp_path: Path,
) -> None:
    config = parse_config(grid("risk:\n  stop_loss_pct: 3"), "c.yaml", {})
    built = await build_engine(config, tmp_path / "stop.db")
    engine = built.engine
    bot = engine.bots["grid-btc"]
    breaches: list[RiskBreached] = []
    held_at_breach: list[Decimal] = []
    placed_at_breach: list[int] = []
    fills: list[OrderFilled] = []
    stop_orders: list[OrderUpdated] = []
    states: list[BotStateChanged] = []

    def on_breach(event: RiskBreached) -> None:
        breaches.append(event)
        held_at_breach.append(bot.position.qty)
        placed_at_breach.append(bot.orders_placed)

    engine.bus.subscribe(RiskBreached, on_breach)
    engine.bus.subscribe(OrderFilled, fills.append)
    engine.bus.subscribe(BotStateChanged, states.append)
    engine.bus.subscribe(
        OrderUpdated, lambda e: stop_orders.append(e) if e.order.tag == RISK_STOP_TAG else None
    )
    await engine.run()
    await engine.close()

    assert len(breaches) == 1
    breach = breaches[0]
    assert (breach.scope, breach.limit, breach.bot, breach.threshold) == (
        "pair",
        "stop_loss_pct",
        "grid-btc",
        Decimal(3),
    )
    assert breach.value >= 3
    assert breach.reason.startswith("stop loss: BTCUSDT at ")
    # closed at market: one sell of the whole position, and nothing else placed afterwards
    assert stop_orders[0].order.type is OrderType.MARKET
    stop_fills = [f.fill for f in fills if f.fill.tag == RISK_STOP_TAG]
    assert [f.side for f in stop_fills] == [Side.SELL]
    assert stop_fills[0].qty == bot.instrument.floor_qty(held_at_breach[0]) > 0
    assert bot.orders_placed == placed_at_breach[0] + 1
    dust = held_at_breach[0] - stop_fills[0].qty  # what a buy's fee in BTC left below a lot
    assert bot.position.qty == dust and 0 <= dust < bot.instrument.lot_size
    assert bot.orders == {}
    # paused by the breach, with its reason; it stays paused until the replay's end, when
    # every bot of a replay that has ended says FINISHED
    after = [(s.old, s.new, s.reason) for s in states if s.bot == "grid-btc"][-2:]
    assert after[0] == (BotState.RUNNING, BotState.PAUSED, breach.reason)
    assert after[1][:2] == (BotState.PAUSED, BotState.FINISHED) and bot.state is BotState.FINISHED
