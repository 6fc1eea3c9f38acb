"""The intent pipeline's decision: what became of each order intent (placed, cut, refused,
held) and why, on the paper perpetual venue (figures as in `test_linear_bot`)."""

from __future__ import annotations

from decimal import Decimal

from test_linear_bot import Funds, Rig, short, started

from traderagent.domain import BotState, OrderStatus
from traderagent.engine.allocator import CapitalAllocator
from traderagent.engine.intents import Outcome

D = Decimal


async def running(rig: Rig) -> Rig:
    await started(rig)
    await rig.candle(20000, 20000, 20000, 20000)  # the first price: RUNNING, nothing placed
    assert rig.bot.state is BotState.RUNNING and not rig.sent
    return rig


async def test_an_intent_placed_as_asked_says_placed_with_its_order() -> None:
    rig = await running(Rig([]))
    decision = await rig.bot.pipeline.place(short("0.5"))
    assert (decision.outcome, decision.reason, decision.intent.qty) == (
        Outcome.PLACED,
        "",
        D("0.5"),
    )
    assert decision.order is not None and decision.order.status is OrderStatus.FILLED
    assert rig.bot.orders_placed == 1 and rig.sent[-1].qty == D("0.5")


async def test_an_intent_the_allocator_cuts_says_cut_and_why() -> None:
    budget = CapitalAllocator({"t": D(10)})  # 1 000 of margin at 10x: 0.5 BTC at 20 000
    rig = await running(Rig([], allocator=budget, funds=Funds("10000")))
    decision = await rig.bot.pipeline.place(short("0.8"))
    assert decision.outcome is Outcome.CUT and decision.intent.qty == D("0.5")
    assert decision.reason and rig.sent[-1].qty == D("0.5")


async def test_an_intent_the_venue_rejects_says_refused_with_the_venues_reason() -> None:
    rig = await running(Rig([]))
    decision = await rig.bot.pipeline.place(short("0.0001"))  # below the lot's minimum
    assert decision.outcome is Outcome.REFUSED
    assert decision.order is not None and decision.reason == decision.order.reject_reason
    assert decision.reason and rig.bot.orders_rejected == 1


async def test_a_paused_bot_holds_an_intent_and_sends_nothing() -> None:
    rig = await running(Rig([]))
    await rig.bot.pause()
    decision = await rig.bot.pipeline.place(short("0.5"))
    assert decision.outcome is Outcome.HELD and "PAUSED" in decision.reason
    assert not rig.sent and rig.bot.orders_placed == 0
