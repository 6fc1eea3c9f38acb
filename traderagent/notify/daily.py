"""The daily summary: one UTC day of engine time, told when the engine clock enters the next.

Engine time is wall time for a live engine, so the summary arrives at UTC midnight; a replay
reports each replayed day as it passes (the alert batching gathers days that pass quickly into
one message). Equity comes from the engine's equity points, fills from its fill events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from traderagent.domain.events import EquityUpdated, Event, OrderFilled
from traderagent.facade import EngineSnapshot
from traderagent.notify.formatting import count, money, signed, state

EVENTS: tuple[type[Event], ...] = (EquityUpdated, OrderFilled)
"""What the ledger reads."""
DAY_MS = 86_400_000


def utc_day(ts_ms: int) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).date()


class DailyLedger:
    """Counts the current engine day; `observe` returns the finished day's summary at a rollover."""

    def __init__(self, snapshot: Callable[[], EngineSnapshot]) -> None:
        self._snapshot = snapshot
        self.day: date | None = None
        self._from_ms: int | None = None
        self._open_equity: Decimal | None = None
        self._last_equity: Decimal | None = None
        self._fills: Counter[str] = Counter()
        self._fees: dict[str, Decimal] = {}

    def observe(self, event: Event) -> str | None:
        if not isinstance(event, EVENTS):
            return None
        day = utc_day(event.ts)
        summary = None
        if self.day is None:  # the first day seen may have begun before the service started
            self._open(day, None if event.ts % DAY_MS == 0 else event.ts, None)
        elif day > self.day:
            closing = event.equity if isinstance(event, EquityUpdated) else self._last_equity
            summary = self._summary(closing)
            self._open(day, None, closing)
        if isinstance(event, EquityUpdated):
            self._last_equity = event.equity
            if self._open_equity is None:
                self._open_equity = event.equity
        elif isinstance(event, OrderFilled):
            fill = event.fill
            self._fills[fill.bot] += 1
            self._fees[fill.fee_asset] = self._fees.get(fill.fee_asset, Decimal(0)) + fill.fee
        return summary

    def _open(self, day: date, from_ms: int | None, equity: Decimal | None) -> None:
        self.day = day
        self._from_ms = from_ms
        self._open_equity = self._last_equity = equity
        self._fills.clear()
        self._fees.clear()

    def _summary(self, closing: Decimal | None) -> str:
        lines = [f"📅 Daily summary {self.day} (UTC)"]
        if self._from_ms is not None:
            started = datetime.fromtimestamp(self._from_ms / 1000, UTC).strftime("%H:%M")
            lines[0] += f", from {started}"
        if self._open_equity is not None and closing is not None:
            change = closing - self._open_equity
            pct = change / self._open_equity * 100 if self._open_equity else Decimal(0)
            lines.append(
                f"equity {money(self._open_equity)} → {money(closing)}"
                f" ({signed(change)}, {signed(pct)}%)"
            )
        total = sum(self._fills.values())
        fees = ", ".join(f"{money(fee, 4)} {asset}" for asset, fee in sorted(self._fees.items()))
        lines.append(count(total, "fill") + (f", fees {fees}" if fees else ""))
        for bot in self._snapshot().bots:
            lines.append(
                f"{bot.name} {state(bot)} · {count(self._fills[bot.name], 'fill')} today"
                f" · realised {signed(bot.realised_pnl)} in all"
            )
        return "\n".join(lines)
