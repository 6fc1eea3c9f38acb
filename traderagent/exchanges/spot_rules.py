"""Spot trading rules the simulated venues (paper and the Bybit emulator) share.

The symbols of `KNOWN_SPOT` keep Bybit's spot values. Any other `<BASE><QUOTE>` symbol with a
quote asset of `QUOTES` gets rules derived from its price level, with e = floor(log10(price)):
tick 10**(e-5) (1e-5 to 1e-6 of the price), lot 10**(-e-2) (one lot is worth 0.01 to 0.1 of
the quote asset), minimum quantity one lot, minimum order value 5 (Bybit's spot minimum).
The rule is deterministic: the same price level always gives the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from traderagent.domain import Instrument

QUOTES = ("USDT", "USDC")
"""Quote assets a symbol may end in (`XRPUSDT`, `SOLUSDC`)."""
MIN_NOTIONAL = Decimal(5)
"""Smallest order value of a derived symbol, in its quote asset."""

KNOWN_SPOT: dict[str, Instrument] = {
    "BTCUSDT": Instrument(
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.000001"),
        min_qty=Decimal("0.000048"),
        min_notional=Decimal("5"),
    ),
    "ETHUSDT": Instrument(
        symbol="ETHUSDT",
        base="ETH",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.00001"),
        min_qty=Decimal("0.00062"),
        min_notional=Decimal("5"),
    ),
}


def split_symbol(symbol: str) -> tuple[str, str]:
    """(base, quote) of a symbol such as BTCUSDT; ValueError for other quotes."""
    for quote in QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise ValueError(f"symbol {symbol!r} must end in one of {', '.join(QUOTES)}")


def price_exponent(price: Decimal | float) -> int:
    """floor(log10(price)), exact on the price's decimal digits; 0 for no positive price."""
    level = price if isinstance(price, Decimal) else Decimal(repr(float(price)))
    if not level.is_finite() or level <= 0:
        return 0
    return level.adjusted()


def power_of_ten(exponent: int) -> Decimal:
    """10**exponent, written without an exponent (1000, not 1E+3)."""
    return Decimal(10**exponent) if exponent >= 0 else Decimal(1).scaleb(exponent)


def derived_spot_instrument(symbol: str, price: Decimal | float) -> Instrument:
    """The rules of `symbol` derived from its price level (see the module docstring)."""
    base, quote = split_symbol(symbol)
    exponent = price_exponent(price)
    tick, lot = power_of_ten(exponent - 5), power_of_ten(-exponent - 2)
    return Instrument(symbol, base, quote, tick, lot, lot, MIN_NOTIONAL)


def spot_instrument(
    symbol: str, price: Decimal | float, listed: Mapping[str, Instrument] = KNOWN_SPOT
) -> Instrument:
    """`listed[symbol]` when there, else the rules derived from `price`."""
    known = listed.get(symbol)
    return known if known is not None else derived_spot_instrument(symbol, price)
