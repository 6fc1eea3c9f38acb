"""Trading rules of the emulated symbols, per category, and their instruments-info items.

Spot rules are the paper venue's (`traderagent.exchanges.spot_rules`: Bybit spot values for
the known symbols, rules derived from the price level for the others), so both front doors
accept and fill the same orders. Linear (USDT perpetual) rules follow Bybit's BTCUSDT and
ETHUSDT contracts; other contracts get rules derived from their price level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Instrument
from traderagent.exchanges.spot_rules import (
    KNOWN_SPOT,
    power_of_ten,
    price_exponent,
    split_symbol,
    spot_instrument,
)

CATEGORIES = ("spot", "linear")
ALL_CATEGORIES = ("spot", "linear", "inverse", "option")  # Bybit's; the last two list nothing

_LINEAR_KNOWN = {
    "BTCUSDT": ("0.10", "0.001"),
    "ETHUSDT": ("0.01", "0.01"),
}


@dataclass(frozen=True, slots=True)
class MarketRules:
    """One listed symbol of one category: its Instrument plus the limits Bybit also reports."""

    category: str
    instrument: Instrument
    max_qty: Decimal
    max_leverage: Decimal = Decimal(100)

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def min_price(self) -> Decimal:
        """priceFilter.minPrice (linear; spot reports no price range)."""
        return self.instrument.tick_size

    @property
    def max_price(self) -> Decimal:
        """priceFilter.maxPrice (linear), as BTCUSDT's: 19,999,998 ticks."""
        return self.instrument.tick_size * 19_999_998


def market_rules(category: str, symbol: str, typical_price: float) -> MarketRules:
    """The rules of `symbol` in `category`, derived from `typical_price` when not known."""
    base, quote = split_symbol(symbol)
    if category == "spot":
        inst = spot_instrument(symbol, typical_price)
        max_qty = Decimal("83") if symbol in KNOWN_SPOT else inst.lot_size * 10_000_000
        return MarketRules(category, inst, max_qty)
    exponent = price_exponent(typical_price)
    tick_text, step_text = _LINEAR_KNOWN.get(symbol, (None, None))
    tick = Decimal(tick_text) if tick_text else power_of_ten(exponent - 4)
    step = Decimal(step_text) if step_text else power_of_ten(1 - exponent)
    inst = Instrument(symbol, base, quote, tick, step, step, Decimal(5))
    return MarketRules(category, inst, step * 1_190_000)


def _decimals(step: Decimal) -> int:
    exponent = step.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def decimal_text(value: Decimal) -> str:
    """A Decimal as Bybit writes numbers: plain digits, never an exponent."""
    return format(value, "f")


def instrument_item(rules: MarketRules) -> dict[str, object]:
    """The instruments-info `list` item of `rules`, shaped per category."""
    inst = rules.instrument
    if rules.category == "spot":
        return {
            "symbol": inst.symbol,
            "baseCoin": inst.base,
            "quoteCoin": inst.quote,
            "innovation": "0",
            "status": "Trading",
            "marginTrading": "none",
            "stTag": "0",
            "lotSizeFilter": {
                "basePrecision": decimal_text(inst.lot_size),
                "quotePrecision": "0.00000001",
                "minOrderQty": decimal_text(inst.min_qty),
                "maxOrderQty": decimal_text(rules.max_qty),
                "minOrderAmt": decimal_text(inst.min_notional),
                "maxOrderAmt": "8000000",
                "maxLimitOrderQty": decimal_text(rules.max_qty),
                "maxMarketOrderQty": decimal_text(rules.max_qty / 2),
                "postOnlyMaxLimitOrderSize": "60000",
            },
            "priceFilter": {"tickSize": decimal_text(inst.tick_size)},
            "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05"},
        }
    return {
        "symbol": inst.symbol,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": inst.base,
        "quoteCoin": inst.quote,
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(_decimals(inst.tick_size)),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": decimal_text(rules.max_leverage.quantize(Decimal("0.01"))),
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": decimal_text(rules.min_price),
            "maxPrice": decimal_text(rules.max_price),
            "tickSize": decimal_text(inst.tick_size),
        },
        "lotSizeFilter": {
            "maxOrderQty": decimal_text(rules.max_qty),
            "minOrderQty": decimal_text(inst.min_qty),
            "qtyStep": decimal_text(inst.lot_size),
            "postOnlyMaxOrderQty": decimal_text(rules.max_qty),
            "maxMktOrderQty": decimal_text(rules.max_qty / 2),
            "minNotionalValue": decimal_text(inst.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": inst.quote,
        "copyTrading": "both",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
    }
