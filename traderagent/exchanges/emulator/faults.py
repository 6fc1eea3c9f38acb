"""Fault specs: what can go wrong on the wire, how often, and with which random seed.

A spec string names each fault once, comma-separated, e.g.
`latency=20ms,http5xx=0.05,timeout=0.02,ratelimit=0.05,ws_drop=0.01,lost_response=0.02,seed=7`:

- `latency`: added to every REST response and every WebSocket push (`20ms`, `0.5s`, bare = ms);
- `http5xx`: share of REST requests answered with HTTP 500/502/503, not processed;
- `timeout`: share of REST requests held past the client's timeout (`hold`), not processed;
- `ratelimit`: share of private REST requests that start a one-second 10006 burst;
- `lost_response`: share of POST requests processed (the order exists) whose answer is held
  past the client's timeout, so the client never gets it;
- `ws_drop`: share of WebSocket pushes on which the server drops the connection instead;
- `hold`: how long a timed-out or lost response is held (default 30s);
- `seed`: the random seed (default 0), so a run's faults are reproducible.

The four REST shares are bands of one draw per request, so they may add up to 1 at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")
_PROBABILITIES = ("http5xx", "timeout", "ratelimit", "lost_response", "ws_drop")
KNOWN_KEYS = ("latency", *_PROBABILITIES, "hold", "seed")


class FaultSpecError(ValueError):
    """A fault spec string that cannot be parsed; the message says what and how to fix it."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Fault rates of one emulator run. All zero (the default) injects nothing."""

    latency_s: float = 0.0
    http5xx: float = 0.0
    timeout: float = 0.0
    ratelimit: float = 0.0
    lost_response: float = 0.0
    ws_drop: float = 0.0
    hold_s: float = 30.0
    seed: int = 0

    @property
    def rest_bands(self) -> tuple[tuple[str, float], ...]:
        """(kind, share) of the REST faults in the order their bands are laid out."""
        return (
            ("http5xx", self.http5xx),
            ("timeout", self.timeout),
            ("ratelimit", self.ratelimit),
            ("lost_response", self.lost_response),
        )

    def describe(self) -> str:
        """The spec back as a string (only what differs from the default)."""
        default = FaultSpec()
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if f.name.endswith("_s"):
                text = f"{value * 1000:g}ms" if value < 1 else f"{value:g}s"
                parts.append(f"{f.name.removesuffix('_s')}={text}")
            else:
                parts.append(f"{f.name}={value:g}")
        return ",".join(parts) or "none"


def parse_faults(text: str | None) -> FaultSpec:
    """Parse a spec string; empty, None or `none` means no faults. FaultSpecError if invalid."""
    if text is None or text.strip() in ("", "none"):
        return FaultSpec()
    values: dict[str, float | int] = {}
    for item in text.split(","):
        key, sep, raw = (part.strip() for part in item.partition("="))
        if not sep or not key or not raw:
            raise FaultSpecError(f"fault spec item {item.strip()!r} is not of the form key=value")
        if key not in KNOWN_KEYS:
            raise FaultSpecError(f"unknown fault {key!r}; known: {', '.join(KNOWN_KEYS)}")
        if key in values or (key in ("latency", "hold") and f"{key}_s" in values):
            raise FaultSpecError(f"fault {key!r} is given twice")
        if key in ("latency", "hold"):
            values[f"{key}_s"] = _duration(key, raw)
        elif key == "seed":
            try:
                values["seed"] = int(raw)
            except ValueError:
                raise FaultSpecError(f"seed must be an integer, got {raw!r}") from None
        else:
            values[key] = _probability(key, raw)
    spec = FaultSpec(**values)  # type: ignore[arg-type]
    total = sum(share for _, share in spec.rest_bands)
    if total > 1:
        raise FaultSpecError(
            f"http5xx + timeout + ratelimit + lost_response add up to {total:g}; "
            "they are shares of the same requests and must not exceed 1"
        )
    return spec


def _duration(key: str, raw: str) -> float:
    match = _DURATION.match(raw)
    if match is None:
        raise FaultSpecError(f"{key} must be a duration such as 20ms or 1.5s, got {raw!r}")
    number = float(match.group(1))
    return number if match.group(2) == "s" else number / 1000


def _probability(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise FaultSpecError(f"{key} must be a probability between 0 and 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise FaultSpecError(f"{key} must be a probability between 0 and 1, got {raw!r}")
    return value
