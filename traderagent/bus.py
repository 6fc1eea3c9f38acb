"""The one typed in-process event bus.

Two ways to listen:
- `subscribe(kind, handler)`: a synchronous handler called in `publish`, in subscription order.
  For in-engine reactions that must see every event at once (cheap, no allocation per call).
- `stream(kinds, maxsize)`: a bounded asynchronous stream for consumers that may lag (the TUI,
  the API WebSocket, persistence). Coalescable events collapse to the newest per key; when the
  buffer is full the oldest event is dropped and counted, so a slow reader never slows the engine.

`wants(kind)` tells a publisher whether an event of that kind would reach anyone now, so a hot
path (a replay's fills and candles) need not build events nobody listens to.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from traderagent.domain.events import Event

E = TypeVar("E", bound=Event)
Handler = Callable[[E], None]


class EventStream:
    """A bounded, coalescing queue of events for one asynchronous consumer."""

    def __init__(self, bus: EventBus, kinds: tuple[type[Event], ...], maxsize: int) -> None:
        self._bus = bus
        self.kinds = kinds
        self.maxsize = maxsize
        self.dropped = 0
        self._queue: deque[Event] = deque()
        self._latest: OrderedDict[str, Event] = OrderedDict()
        self._ready = asyncio.Event()
        self._closed = False

    def accepts(self, event: Event) -> bool:
        return not self.kinds or isinstance(event, self.kinds)

    def push(self, event: Event) -> None:
        if event.coalesce:
            self._latest[event.key] = event
            self._latest.move_to_end(event.key)
        else:
            if len(self._queue) >= self.maxsize:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(event)
        self._ready.set()

    def drain(self) -> list[Event]:
        """Everything pending now, without waiting: queued events first, then newest values."""
        items = list(self._queue)
        items.extend(self._latest.values())
        self._queue.clear()
        self._latest.clear()
        self._ready.clear()
        return items

    async def next_batch(self) -> list[Event]:
        """Wait until something is pending (or the stream closes) and return all of it."""
        while not self._queue and not self._latest and not self._closed:
            await self._ready.wait()
        return self.drain()

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        self._bus.unsubscribe_stream(self)

    @property
    def closed(self) -> bool:
        return self._closed


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Callable[[Event], None]]] = {}
        self._dispatch: dict[type[Event], list[Callable[[Event], None]]] = {}
        self._streams: list[EventStream] = []
        self._wanted: dict[type[Event], bool] = {}  # kind -> anyone listening (cleared on change)
        self.published = 0

    def subscribe(self, kind: type[E], handler: Handler[E]) -> Callable[[], None]:
        """Call `handler` for every event of `kind` (or a subclass). Returns an unsubscriber."""
        handlers = self._handlers.setdefault(kind, [])
        handlers.append(handler)  # type: ignore[arg-type]
        self._changed()

        def unsubscribe() -> None:
            handlers.remove(handler)  # type: ignore[arg-type]
            self._changed()

        return unsubscribe

    def stream(self, kinds: Iterable[type[Event]] = (), maxsize: int = 10_000) -> EventStream:
        stream = EventStream(self, tuple(kinds), maxsize)
        self._streams.append(stream)
        self._wanted.clear()
        return stream

    def unsubscribe_stream(self, stream: EventStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)
            self._wanted.clear()

    def wants(self, kind: type[Event]) -> bool:
        """Whether an event of `kind` published now would reach a handler or a stream."""
        wanted = self._wanted.get(kind)
        if wanted is None:
            handlers = self._dispatch.get(kind)
            if handlers is None:
                handlers = self._resolve(kind)
            wanted = bool(handlers) or any(
                not s.kinds or issubclass(kind, s.kinds) for s in self._streams
            )
            self._wanted[kind] = wanted
        return wanted

    def publish(self, event: Event) -> None:
        self.published += 1
        kind = type(event)
        handlers = self._dispatch.get(kind)
        if handlers is None:
            handlers = self._resolve(kind)
        for handler in handlers:
            handler(event)
        for stream in self._streams:
            if stream.accepts(event):
                stream.push(event)

    def _changed(self) -> None:
        self._dispatch.clear()
        self._wanted.clear()

    def _resolve(self, kind: type[Event]) -> list[Callable[[Event], None]]:
        found = [h for base in kind.__mro__ for h in self._handlers.get(base, ())]
        self._dispatch[kind] = found
        return found
