"""GET /v5/market/funding/history: the funding rates the emulator settled (or would settle).

Bybit's shape: `category` linear|inverse (required), `symbol` (required), `startTime`,
`endTime` (ms), `limit` [1, 200] (default 200); the list is newest first, each item
`{"symbol", "fundingRate", "fundingRateTimestamp"}` (strings). Only `startTime` is refused
(Bybit wants an `endTime` with it); without `endTime` the page ends at "now". The marks are the
8-hour marks the replay has reached since its first candle; the rate of each is the one the
emulator settles with (its `funding_rates`, else its constant `funding_rate`); a mark the
rates do not know is left out, as it is not settled either.
"""

from __future__ import annotations

from collections.abc import Mapping

from traderagent.exchanges.emulator import queries
from traderagent.exchanges.emulator.core import EmulatorCore
from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.funding import funding_times

Params = Mapping[str, str]
PATH = "/v5/market/funding/history"


def funding_history(core: EmulatorCore, params: Params) -> dict[str, object]:
    category = params.get("category", "")
    if category not in ("linear", "inverse"):
        raise params_error(f"category must be linear or inverse, got {category!r}")
    symbol = params.get("symbol", "")
    if not symbol:
        raise params_error("symbol is required")
    if core.ledger.rules_for("linear", symbol) is None:
        raise params_error(f"Not supported symbols: {symbol!r}")
    start, end = _ms(params, "startTime"), _ms(params, "endTime")
    if start is not None and end is None:
        raise params_error("endTime is required when startTime is given")
    limit = queries.limit_of(params, 200, 200)
    closed = core.replay.closed(symbol)
    first = int(closed.ts[0]) if len(closed) else core.now_ms()
    lo = max(first - 1, (start - 1) if start is not None else first - 1)
    hi = min(core.now_ms(), end if end is not None else core.now_ms())
    items = []
    for moment in reversed(funding_times(lo, hi)):
        rate = core.funding_rate
        if core.funding_rates is not None:
            found = core.funding_rates.rate(symbol, moment)
            if found is None:
                continue
            rate = found
        items.append(
            {"symbol": symbol, "fundingRate": str(rate), "fundingRateTimestamp": str(moment)}
        )
        if len(items) == limit:
            break
    return {"category": category, "list": items}


def _ms(params: Params, name: str) -> int | None:
    text = params.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise params_error(f"{name} must be epoch milliseconds, got {text!r}")
    return int(text)
