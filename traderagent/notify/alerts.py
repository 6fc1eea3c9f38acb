"""Which engine events become Telegram alerts, and how a burst becomes one message.

Halts and risk breaches are urgent: they go out `urgent_s` (1 s) after the first one, so a
portfolio breach and the halts it causes arrive together. Fills, regime changes and daily
summaries are gathered for `batch_s` after the first, so a fill storm is one message per
window, not one per fill. Whatever is pending goes out in the same message when either is due.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from traderagent.domain import ZERO, Fill
from traderagent.domain.events import (
    Event,
    HaltTriggered,
    MarketDataStale,
    OrderFilled,
    RegimeChanged,
    RiskBreached,
)
from traderagent.notify import daily
from traderagent.notify.daily import DailyLedger
from traderagent.notify.formatting import MAX_MESSAGE, clip, count, money, price, qty

SOURCES: dict[str, tuple[type[Event], ...]] = {
    "fills": (OrderFilled,),
    "halts": (HaltTriggered,),
    "risk": (RiskBreached, MarketDataStale),
    "regime": (RegimeChanged,),
    "daily": daily.EVENTS,
}
"""The bus events each alert kind (`telegram.alerts`) listens to."""
FILL_LINES = 15
"""Fills listed one by one in a message; the rest are counted."""


class AlertBatcher:
    """Turns bus events into alert text and decides when the pending text is due."""

    def __init__(
        self,
        alerts: Iterable[str],
        *,
        batch_s: float,
        urgent_s: float = 1.0,
        ledger: DailyLedger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.alerts = frozenset(alerts)
        self.batch_s = batch_s
        self.urgent_s = urgent_s
        self._ledger = ledger if "daily" in self.alerts else None
        self._clock = clock
        self._urgent: list[str] = []
        self._halts: dict[str, tuple[list[str], int]] = {}
        self._later: list[str] = []
        self._fills: list[Fill] = []
        self._urgent_due: float | None = None
        self._batch_due: float | None = None

    @property
    def kinds(self) -> tuple[type[Event], ...]:
        """The event classes to subscribe to for the enabled alerts."""
        return tuple({k for alert in self.alerts for k in SOURCES.get(alert, ())})

    def add(self, event: Event) -> None:
        if self._ledger is not None and (summary := self._ledger.observe(event)):
            self.note(summary)
        if isinstance(event, OrderFilled) and "fills" in self.alerts:
            self._fills.append(event.fill)
            self._arm(urgent=False)
        elif isinstance(event, RiskBreached) and "risk" in self.alerts:
            owner = f"bot {event.bot}" if event.bot else "account"
            self._urgent.append(f"⚠ RISK ({owner}): {event.reason}")
            self._arm(urgent=True)
        elif isinstance(event, MarketDataStale) and "risk" in self.alerts:
            if event.stale:
                line = f"⚠ DATA: no {event.symbol} candle for {event.silent_ms // 1000} s"
                self._urgent.append(f"{line}: its bots open nothing until data returns")
            else:
                self._urgent.append(f"✓ DATA: {event.symbol} candles are back")
            self._arm(urgent=True)
        elif isinstance(event, HaltTriggered) and "halts" in self.alerts:
            bots, cancelled = self._halts.get(event.reason, ([], 0))
            self._halts[event.reason] = ([*bots, event.bot], cancelled + event.cancelled_orders)
            self._arm(urgent=True)
        elif isinstance(event, RegimeChanged) and "regime" in self.alerts:
            reading = event.reading
            self._later.append(
                f"↻ {event.symbol} regime {event.old or 'unknown'} → {event.new}"
                f" (ADX {reading.adx:.1f}, ATR {reading.atr_pct:.2f}%)"
            )
            self._arm(urgent=False)

    def note(self, text: str, *, urgent: bool = False) -> None:
        """Add a line of text of its own (a daily summary, a warning about dropped events)."""
        (self._urgent if urgent else self._later).append(text)
        self._arm(urgent)

    def wait_s(self) -> float | None:
        """Seconds until pending text is due (0 when it is); None when nothing is pending."""
        dues = [due for due in (self._urgent_due, self._batch_due) if due is not None]
        return max(0.0, min(dues) - self._clock()) if dues else None

    def take_due(self) -> str | None:
        """The message to send now, if one is due."""
        wait = self.wait_s()
        return self.take_all() if wait is not None and wait <= 0 else None

    def take_all(self) -> str | None:
        """Everything pending as one message (urgent first), or None; the batcher is then empty."""
        parts = [*self._urgent, *self._halt_lines(), *self._later]
        if self._fills:
            parts.append(fill_block(self._fills))
        self._urgent, self._halts, self._later, self._fills = [], {}, [], []
        self._urgent_due = self._batch_due = None
        return clip("\n\n".join(parts), MAX_MESSAGE) if parts else None

    def _arm(self, urgent: bool) -> None:
        now = self._clock()
        if urgent and self._urgent_due is None:
            self._urgent_due = now + self.urgent_s
        elif not urgent and self._batch_due is None:
            self._batch_due = now + self.batch_s

    def _halt_lines(self) -> list[str]:
        lines = []
        for reason, (bots, cancelled) in self._halts.items():
            told = any(reason in line for line in self._urgent)  # the breach above says why
            why = "" if told else f": {reason}"
            lines.append(
                f"⛔ HALT {', '.join(bots)}{why}; {cancelled} orders cancelled."
                " The bots stay in EMERGENCY until acknowledged."
            )
        return lines


def fill_block(fills: list[Fill]) -> str:
    """`3 fills, fees 0.0570 USDT` and a line per fill, the oldest first, at most FILL_LINES."""
    fees: dict[str, Decimal] = {}
    for fill in fills:
        fees[fill.fee_asset] = fees.get(fill.fee_asset, ZERO) + fill.fee
    fee_text = ", ".join(f"{money(fee, 4)} {asset}" for asset, fee in sorted(fees.items()))
    lines = [f"{count(len(fills), 'fill')}, fees {fee_text}"]
    for fill in fills[:FILL_LINES]:
        at = time.strftime("%H:%M", time.gmtime(fill.ts / 1000))
        lines.append(
            f"{at} {fill.side.upper()} {qty(fill.qty)} {fill.symbol} @ {price(fill.price)}"
            f" {fill.bot}".rstrip()
        )
    rest = fills[FILL_LINES:]
    if rest:
        sides = Counter(fill.side.upper() for fill in rest)
        counted = ", ".join(f"{n} {side}" for side, n in sorted(sides.items()))
        lines.append(f"… and {len(rest)} more ({counted})")
    return "\n".join(lines)
