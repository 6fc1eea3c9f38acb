"""Exactly-once, forward-only delivery of order updates and fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from traderagent.domain import Fill, Liquidity, Order, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit.sequencer import UpdateSequencer
from traderagent.exchanges.ports import ExchangeUpdate

NEW = Order(
    "c-1", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(100), OrderStatus.NEW, 1, 1
)


def fill(fill_id: str, qty: str, ts: int) -> Fill:
    return Fill(
        fill_id,
        "c-1",
        "BTCUSDT",
        Side.BUY,
        Decimal(100),
        Decimal(qty),
        Decimal(0),
        "USDT",
        Liquidity.MAKER,
        ts,
    )


def sequencer() -> tuple[UpdateSequencer, list[ExchangeUpdate]]:
    seq, seen = UpdateSequencer(), []
    seq.set_listener(seen.append)
    return seq, seen


def test_the_stream_new_of_an_order_being_placed_is_its_ack() -> None:
    seq, seen = sequencer()
    seq.expect("c-1", "bot", "tag")
    assert not seq.order(NEW)  # the stream raced the REST answer
    seq.acknowledged(NEW)
    assert not seq.order(NEW)
    assert seen == []
    assert seq.tags("c-1") == ("bot", "tag") and seq.known("c-1")


def test_updates_only_move_forward_and_stop_at_a_final_state() -> None:
    seq, seen = sequencer()
    seq.acknowledged(NEW)
    part = replace(
        NEW, status=OrderStatus.PARTIALLY_FILLED, filled_qty=Decimal("0.4"), updated_ms=5
    )
    done = replace(NEW, status=OrderStatus.FILLED, filled_qty=Decimal(1), updated_ms=9)
    lost_race = replace(done, updated_ms=10, reject_reason="EC_OrigClOrdIDDoesNotExist")
    assert seq.order(part) and seq.order(done)
    assert not seq.order(part)  # an older state arriving late (gap-fill after the stream)
    assert not seq.order(lost_race)  # Bybit's second Filled for the same fill
    assert seen == [part, done]
    assert seq.last_event_ms == 9


def test_fills_are_delivered_once_by_exec_id() -> None:
    seq, seen = sequencer()
    assert seq.fill(fill("e1", "0.4", 5))
    assert not seq.fill(fill("e1", "0.4", 5))
    assert seq.fill(fill("e2", "0.6", 7))
    assert [f.fill_id for f in seen if isinstance(f, Fill)] == ["e1", "e2"]


def test_a_cancel_after_a_partial_fill_is_news() -> None:
    seq, seen = sequencer()
    part = replace(NEW, status=OrderStatus.PARTIALLY_FILLED, filled_qty=Decimal("0.4"))
    cancelled = replace(part, status=OrderStatus.CANCELLED)
    assert seq.order(part) and seq.order(cancelled)
    assert seen == [part, cancelled]
