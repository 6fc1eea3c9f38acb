"""The data a linear paper venue is given: funding rates (`paper.linear.funding_file`, or
`bundled`: the fixed-rate file shipped with the bundled candles, or the constant
`funding_rate`) and mark-price series (`paper.linear.mark`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from traderagent.config import AppConfig, ConfigError
from traderagent.domain import Instrument
from traderagent.exchanges.paper.linear import ConstantRate, FundingRates, read_funding_file
from traderagent.marketdata import MarketDataError, load_candles
from traderagent.marketdata.bundled import BUNDLED_FUNDING, bundled_path

BUNDLED = "bundled"


def funding_rates(config: AppConfig) -> FundingRates | None:
    """`paper.linear.funding_file`'s rates, else the constant `funding_rate` (None: 0, no
    funding). ConfigError naming the file if it cannot be read."""
    linear = config.paper.linear
    if linear.funding_file:
        try:
            if linear.funding_file == BUNDLED:
                return read_funding_file(bundled_path(BUNDLED_FUNDING))
            return read_funding_file(Path(linear.funding_file).expanduser())
        except (OSError, ValueError, MarketDataError) as err:
            raise ConfigError(f"paper.linear.funding_file: {err}") from None
    return ConstantRate(linear.funding_rate) if linear.funding_rate else None


def mark_series(
    config: AppConfig, listed: Mapping[str, Instrument]
) -> dict[str, dict[int, Decimal]]:
    """`paper.linear.mark`'s series per symbol, by open time (the venue's `marks`): a mark
    candle's close is the mark at the close of the price candle opening with it, exact on
    the instrument's tick (as the last-price mark). ConfigError naming the symbol if it is
    not listed or its series cannot be read."""
    marks: dict[str, dict[int, Decimal]] = {}
    for symbol, ref in config.paper.linear.mark.items():
        instrument = listed.get(symbol)
        if instrument is None:
            raise ConfigError(f"paper.linear.mark.{symbol}: no bot trades {symbol}")
        try:
            series = load_candles(ref, f"{symbol}-MARK")
        except (OSError, ValueError, MarketDataError) as err:
            raise ConfigError(f"paper.linear.mark.{symbol}: {err}") from None
        marks[symbol] = {
            int(ts): instrument.market_price(float(close))
            for ts, close in zip(series.ts, series.close, strict=True)
        }
    return marks
