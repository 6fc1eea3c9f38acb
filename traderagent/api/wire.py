"""The API's JSON for engine views and bus events, both ways.

The views are the facade's frozen dataclasses, encoded and decoded by pydantic, so what the
daemon sends is exactly what the attached TUI rebuilds (Decimals travel as strings, enums as
their values). An event is one object: `{"type": "OrderFilled", "ts": ..., "fill": {...}}`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from traderagent.domain import Fill, Order, events
from traderagent.domain.events import Event
from traderagent.facade import BotChart, BotSnapshot, EngineSnapshot, RegimeView
from traderagent.ledger import TradeLedger

WIRE = ConfigDict(ser_json_inf_nan="strings")
"""Floats that are NaN (indicators warming up) or infinite travel as "NaN" and "Infinity"
(valid JSON, and pydantic reads them back), never as a lossy null."""


def _wire(kind: Any) -> TypeAdapter[Any]:
    # pydantic takes a config for a union or a container, not for a bare dataclass
    return TypeAdapter(kind if getattr(kind, "__origin__", None) else kind | None, config=WIRE)


SNAPSHOT = _wire(EngineSnapshot)
BOTS = _wire(tuple[BotSnapshot, ...])
BOT = _wire(BotSnapshot)
CHART = _wire(BotChart)
ORDERS = _wire(tuple[Order, ...])
FILLS = _wire(tuple[Fill, ...])
REGIMES = _wire(tuple[RegimeView, ...])
LEDGER = _wire(TradeLedger)


class WireError(ValueError):
    """A message that is not a known event (a newer daemon, or not TraderAgent at all)."""


def _event_kinds() -> dict[str, type[Event]]:
    # from the module, not Event.__subclasses__(): a slots dataclass leaves its pre-slots
    # class behind as a second subclass of the same name
    return {
        name: value
        for name, value in vars(events).items()
        if isinstance(value, type) and issubclass(value, Event) and value is not Event
    }


EVENT_KINDS = _event_kinds()
"""Event class name -> class: every event type the bus carries."""

_adapters: dict[type[Event], TypeAdapter[Any]] = {}


def _adapter(kind: type[Event]) -> TypeAdapter[Any]:
    adapter = _adapters.get(kind)
    if adapter is None:
        adapter = _adapters[kind] = _wire(kind)
    return adapter


def encode_event(event: Event) -> str:
    """`{"type": "<class name>", ...the event's fields}` as compact JSON."""
    kind = type(event)
    body = _adapter(kind).dump_json(event).decode()
    return f'{{"type":"{kind.__name__}",{body[1:]}'


def decode_event(text: str | bytes) -> Event:
    """The event a message carries; WireError when it is not one."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise WireError(f"not JSON: {err}") from None
    if not isinstance(data, dict):
        raise WireError("an event message must be a JSON object")
    kind = EVENT_KINDS.get(str(data.pop("type", "")))
    if kind is None:
        raise WireError("unknown event type")
    try:
        event: Event = _adapter(kind).validate_python(data)
    except ValidationError as err:
        raise WireError(f"malformed {kind.__name__}: {err.error_count()} problem(s)") from None
    return event
