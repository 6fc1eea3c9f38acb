"""`kind: custom, path: file.py:Class` (issue 20): the settings beside `path` go to the
plugin's own config model, validated with the config; the built strategy uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.plugins.custom import CUSTOM, CustomConfig

RSI = f"{Path(__file__).parents[3] / 'examples' / 'strategies' / 'rsi_reversion.py'}:RsiReversion"
BTCUSDT = DEFAULT_INSTRUMENTS["BTCUSDT"]


def test_the_settings_beside_path_configure_the_plugin() -> None:
    config = CustomConfig.model_validate({"kind": "custom", "path": RSI, "period": 21})
    strategy = CUSTOM.build(config, BTCUSDT)
    assert type(strategy).__name__ == "RsiReversion"
    assert strategy.describe() == "RSI(21) warming up on 15m bars"
    assert CUSTOM.config.model_fields["kind"].default == CUSTOM.kind == "custom"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"path": RSI, "period": 1}, "setting period: Input should be greater than or equal to 2"),
        ({"path": RSI, "perod": 21}, "setting perod: Extra inputs are not permitted"),
        ({"path": "nowhere.py:X"}, "no such strategy file"),
        ({"period": 21}, "path"),
    ],
)
def test_a_wrong_path_or_setting_is_a_config_error_naming_it(
    given: dict[str, object], says: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        CustomConfig.model_validate({"kind": "custom", **given})
    assert says in str(raised.value)
