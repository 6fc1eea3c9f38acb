"""`optimize` over a user strategy: a space file names the fields of the plugin's own config
(beside `path`), and its points become settings the custom config validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from traderagent.optimize.space import IntRange
from traderagent.optimize.space_file import SpaceError, parse_space
from traderagent.plugins.custom import CustomConfig

RSI = Path(__file__).resolve().parents[3] / "examples" / "strategies" / "rsi_reversion.py"


def test_a_space_names_the_plugins_own_fields() -> None:
    config = CustomConfig.model_validate({"path": f"{RSI}:RsiReversion", "period": 21})
    space = parse_space({"period": {"int": [7, 28], "step": 7}}, config)
    assert space.kind == "custom"
    assert space.params == (IntRange("period", 7, 28, 7, False),)
    assert space.overrides({"period": 14}) == {"strategy.period": 14}


def test_a_field_the_plugin_lacks_or_refuses_is_named() -> None:
    config = CustomConfig.model_validate({"path": f"{RSI}:RsiReversion"})
    with pytest.raises(SpaceError, match=r"lookback: unknown parameter; .*period, oversold"):
        parse_space({"lookback": {"int": [1, 5]}}, config)
    with pytest.raises(SpaceError, match="period"):
        parse_space({"period": {"int": [1, 5]}}, config)  # the plugin wants period >= 2


def test_a_router_route_to_a_user_strategy_is_labelled_by_its_kind() -> None:
    from traderagent.config.routing import RouterConfig
    from traderagent.domain import Regime

    config = CustomConfig.model_validate({"path": f"{RSI}:RsiReversion"})
    router = RouterConfig()
    assert router.label(Regime.BULL_TREND, config, True) == "rsi_reversion (custom)"
