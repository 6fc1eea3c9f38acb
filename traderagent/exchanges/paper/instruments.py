"""Trading rules of the symbols the paper venue lists by default (Bybit spot values)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from traderagent.domain import Instrument
from traderagent.exchanges.ports import ExchangeError

DEFAULT_INSTRUMENTS: dict[str, Instrument] = {
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


def lookup_instrument(instruments: Mapping[str, Instrument], symbol: str) -> Instrument:
    """The instrument for `symbol`, or an ExchangeError naming the symbols that do exist."""
    try:
        return instruments[symbol]
    except KeyError:
        known = ", ".join(sorted(instruments)) or "none"
        raise ExchangeError(
            f"unknown symbol {symbol!r} on the paper exchange (listed: {known})"
        ) from None
