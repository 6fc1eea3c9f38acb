"""The account's risk state as data that survives a restart: the PnL baseline, the equity
peak, the UTC day with its starting equity, and each bot's last halt with its acknowledgement.

Pure: the engine captures it from its parts and, after a restart, puts it back, so a bot gets
no fresh drawdown allowance and the day's loss counts from the same start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class RiskStateError(ValueError):
    """A stored risk state that cannot be read back; the text says what is wrong."""


@dataclass(frozen=True, slots=True)
class HaltRecord:
    """A bot's emergency halt: why, when, and when the operator acknowledged it."""

    bot: str
    reason: str
    ts: int
    acknowledged_ms: int | None = None

    @property
    def active(self) -> bool:
        """Not acknowledged yet: the bot stays in EMERGENCY, across restarts too."""
        return self.acknowledged_ms is None


@dataclass(frozen=True, slots=True)
class AccountRiskState:
    starting_equity: Decimal | None
    """The equity the account's PnL is measured from (None before the first price)."""
    since_ms: int
    """Engine time of the first candle that equity was taken at."""
    peak: Decimal
    """The highest equity seen: `max_drawdown_pct` measures from it."""
    day: int | None
    """The UTC day (days since the epoch) the daily loss is measured on."""
    day_start: Decimal
    """Equity at that day's first candle: `max_daily_loss` measures from it."""
    halts: tuple[HaltRecord, ...] = ()

    def payload(self) -> dict[str, Any]:
        """JSON-able data (Decimals stay Decimals: the store writes them as exact text)."""
        return {
            "starting_equity": self.starting_equity,
            "since_ms": self.since_ms,
            "peak": self.peak,
            "day": self.day,
            "day_start": self.day_start,
            "halts": [
                {
                    "bot": h.bot,
                    "reason": h.reason,
                    "ts": h.ts,
                    "acknowledged_ms": h.acknowledged_ms,
                }
                for h in self.halts
            ],
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AccountRiskState:
        """The state `payload` stored (Decimals read back from their text); RiskStateError
        naming the field if a value is missing or malformed."""
        try:
            halts = tuple(
                HaltRecord(
                    str(h["bot"]),
                    str(h["reason"]),
                    int(h["ts"]),
                    _int_or_none(h.get("acknowledged_ms")),
                )
                for h in data.get("halts", ())
            )
            start = data.get("starting_equity")
            return cls(
                starting_equity=None if start is None else _decimal(start, "starting_equity"),
                since_ms=int(data.get("since_ms", 0)),
                peak=_decimal(data["peak"], "peak"),
                day=_int_or_none(data.get("day")),
                day_start=_decimal(data["day_start"], "day_start"),
                halts=halts,
            )
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, RiskStateError):
                raise
            raise RiskStateError(f"missing or malformed field {err}") from None


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RiskStateError(f"{field} is not a number: {value!r}") from None
    if not number.is_finite():
        raise RiskStateError(f"{field} is not a finite number: {value!r}")
    return number


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
