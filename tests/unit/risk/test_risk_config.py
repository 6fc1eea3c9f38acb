"""The risk sections of a config file: defaults, validation, and help text on every field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from kit.factories import SMALL_CONFIG
from pydantic import ValidationError

from traderagent.config import ConfigError, parse_config
from traderagent.config.risk import PairRiskConfig, RiskConfig


def test_defaults_halt_at_15_percent_drawdown_and_nothing_else() -> None:
    config = parse_config(SMALL_CONFIG, "c.yaml", {})
    assert config.risk == RiskConfig()
    assert config.risk.max_drawdown_pct == Decimal(15)
    assert config.risk.max_daily_loss is None
    assert config.bots[0].risk is None


def test_risk_sections_parse_from_yaml() -> None:
    text = SMALL_CONFIG.replace(
        "bots:\n",
        'risk:\n  max_daily_loss: "500"\n  max_drawdown_pct: null\n'
        "  max_gross_exposure_pct: 80\nbots:\n",
    ).replace(
        "    symbol: BTCUSDT\n",
        '    symbol: BTCUSDT\n    risk:\n      max_order_notional: "1000"\n'
        "      stop_loss_pct: 7.5\n      max_open_orders: 12\n",
    )
    config = parse_config(text, "c.yaml", {})
    assert config.risk.max_daily_loss == Decimal(500)
    assert config.risk.max_drawdown_pct is None
    assert config.risk.max_gross_exposure_pct == Decimal(80)
    pair = config.bots[0].risk
    assert pair == PairRiskConfig(
        max_order_notional=Decimal(1000), stop_loss_pct=Decimal("7.5"), max_open_orders=12
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("risk:\n  max_daily_loss: -5\n", "risk.max_daily_loss: Input should be greater than 0"),
        ("risk:\n  max_drawdown_pct: 120\n", "risk.max_drawdown_pct: Input should be less than"),
        ("risk:\n  max_daily_los: 5\n", "risk.max_daily_los: unknown setting"),
    ],
)
def test_bad_risk_values_name_the_field(section: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(SMALL_CONFIG.replace("bots:\n", section + "bots:\n"), "c.yaml", {})
    assert message in str(err.value)


def test_a_bad_pair_limit_names_the_bot_field() -> None:
    text = SMALL_CONFIG.replace(
        "    symbol: BTCUSDT\n", "    symbol: BTCUSDT\n    risk:\n      stop_loss_pct: 100\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, "c.yaml", {})
    assert "bots[0].risk.stop_loss_pct: Input should be less than 100" in str(err.value)


@pytest.mark.parametrize("model", [PairRiskConfig, RiskConfig])
def test_models_are_frozen_and_every_field_has_help_text(
    model: type[PairRiskConfig] | type[RiskConfig],
) -> None:
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no docstring"
        with pytest.raises(ValidationError, match="frozen"):
            setattr(model(), name, Decimal(1))
