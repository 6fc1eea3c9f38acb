"""How the contract kit shows decisions: the first place two decision streams part, in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from traderagent.domain import CancelAll, CancelOrder, Candle, PlaceOrder
from traderagent.plugins.check.harness import Decision


def first_difference(
    a: list[Decision],
    b: list[Decision],
    candles: Sequence[Candle],
    names: tuple[str, str] = ("the first run", "the second"),
) -> str:
    """Where decision stream `b` first departs from `a` ('' when they agree); `names` say
    which run made each in the sentence."""
    for left, right in zip(a, b, strict=False):
        if left != right:
            return (
                f"{names[0]} decided at candle #{left.step} ({when(candles, left.step)}) "
                f"{left.event}: {_intents(left.intents)}; {names[1]} at #{right.step} "
                f"{right.event}: {_intents(right.intents)}"
            )
    if len(a) != len(b):
        longer, which = (a, names[0]) if len(a) > len(b) else (b, names[1])
        extra = longer[min(len(a), len(b))]
        return (
            f"only {which} decided at candle #{extra.step} "
            f"({when(candles, extra.step)}) {extra.event}: {_intents(extra.intents)}"
        )
    return ""


def _intents(intents: tuple[object, ...]) -> str:
    shown = [_intent(i) for i in intents[:3]]
    more = f" +{len(intents) - 3}" if len(intents) > 3 else ""
    return "[" + ", ".join(shown) + more + "]"


def _intent(intent: object) -> str:
    if isinstance(intent, PlaceOrder):
        at = f" @ {intent.price:f}" if intent.price is not None else ""
        return f"{intent.tag}: {intent.side.value.lower()} {intent.qty}{at} {intent.type.value}"
    if isinstance(intent, CancelOrder):
        return f"cancel {intent.tag}"
    if isinstance(intent, CancelAll):
        return "cancel all"
    return repr(intent)


def when(candles: Sequence[Candle], step: int) -> str:
    if not candles:
        return "?"
    ts = candles[min(step, len(candles) - 1)].ts
    return datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
