"""A bot that shorts (a trend's `sides: short|both`) is refused in one line where a sell
cannot open a short: on spot, or on linear perps with `long_only`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from traderagent.config import AppConfig


def config(sides: str, **paper: Any) -> dict[str, Any]:
    return {
        "paper": {"balances": {"USDT": "10000"}, **paper},
        "bots": [{"name": "t", "symbol": "BTCUSDT", "strategy": {"kind": "trend", "sides": sides}}],
    }


def test_shorts_on_spot_are_refused() -> None:
    with pytest.raises(ValidationError, match="a spot market cannot: set paper.category: linear"):
        AppConfig.model_validate(config("both"))


def test_shorts_on_a_long_only_linear_venue_are_refused() -> None:
    with pytest.raises(ValidationError, match="set paper.linear.long_only: false"):
        AppConfig.model_validate(config("short", category="linear"))


def test_shorts_on_linear_without_long_only_and_longs_anywhere_pass() -> None:
    linear = config("short", category="linear", linear={"long_only": False})
    assert AppConfig.model_validate(linear).bots[0].strategy.sides == "short"  # type: ignore[union-attr]
    assert AppConfig.model_validate(config("long")).paper.category == "spot"


def on_bybit(category: str) -> dict[str, Any]:
    return {
        "mode": "live",
        "exchange": {"venue": "bybit", "env": "demo", "category": category, "credentials": "k"},
        "bots": [
            {"name": "t", "symbol": "BTCUSDT", "strategy": {"kind": "trend", "sides": "both"}}
        ],
    }


def test_shorts_on_bybit_linear_pass_and_on_bybit_spot_are_refused() -> None:
    assert AppConfig.model_validate(on_bybit("linear")).exchange.venue == "bybit"
    with pytest.raises(ValidationError, match="which Bybit spot cannot: set exchange.category"):
        AppConfig.model_validate(on_bybit("spot"))


def test_a_leverage_on_bybit_spot_is_refused() -> None:
    spot = on_bybit("spot")
    spot["exchange"]["leverage"] = 3
    spot["bots"][0]["strategy"]["sides"] = "long"
    with pytest.raises(ValidationError, match="exchange.leverage is for category: linear"):
        AppConfig.model_validate(spot)
    linear = on_bybit("linear")
    linear["exchange"]["leverage"] = 3
    assert AppConfig.model_validate(linear).exchange.leverage == 3  # type: ignore[union-attr]
