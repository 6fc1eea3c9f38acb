"""Trading rules of the symbols the paper venue lists: Bybit spot values for the known symbols,
and for any other `<BASE><QUOTE>` symbol rules derived from the price level of its candles
(`traderagent.exchanges.spot_rules`, the rule the Bybit emulator follows too)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from traderagent.domain import Instrument
from traderagent.exchanges.ports import ExchangeError
from traderagent.exchanges.spot_rules import KNOWN_SPOT, QUOTES, split_symbol, spot_instrument

DEFAULT_INSTRUMENTS: dict[str, Instrument] = KNOWN_SPOT
"""The symbols with known rules (Bybit spot values)."""


def lookup_instrument(instruments: Mapping[str, Instrument], symbol: str) -> Instrument:
    """The instrument for `symbol`, or an ExchangeError naming the symbols that do exist."""
    try:
        return instruments[symbol]
    except KeyError:
        known = ", ".join(sorted(instruments)) or "none"
        raise ExchangeError(
            f"unknown symbol {symbol!r} on the paper exchange (listed: {known})"
        ) from None


def paper_instrument(
    symbol: str,
    price_level: Decimal | float | None,
    listed: Mapping[str, Instrument] = DEFAULT_INSTRUMENTS,
) -> Instrument:
    """`listed[symbol]` (configured or known rules), else rules derived from `price_level` (the
    first close of the symbol's candles). An ExchangeError that says what to do for a symbol
    the paper venue cannot trade: no known quote asset, or neither rules nor candles."""
    if symbol in listed:
        return listed[symbol]
    try:
        split_symbol(symbol)
    except ValueError:
        raise ExchangeError(
            f"the paper exchange trades <BASE><QUOTE> symbols quoted in {' or '.join(QUOTES)} "
            f"(e.g. XRPUSDT); {symbol} is not one"
        ) from None
    if price_level is None:
        raise ExchangeError(
            f"the paper exchange derives the trading rules of {symbol} from its candles and "
            f"has none: replay {symbol} candles, or give its rules under "
            f"paper.instruments.{symbol} (tick, lot, min_qty, min_notional)"
        )
    return spot_instrument(symbol, price_level, listed)
