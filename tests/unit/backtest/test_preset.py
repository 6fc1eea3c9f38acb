"""Presets: one bot with its parameters as a config file that loads back to the same config."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from traderagent.backtest.preset import (
    default_preset_path,
    export_preset,
    preset_config,
    preset_yaml,
)
from traderagent.config import ConfigError, load_config, parse_config

MULTI = """
mode: paper
replay: {data: bundled, speed: 60}
paper: {balances: {USDT: "5000"}, fill_model: ohlc}
storage: {database_url: "postgresql+asyncpg://trader:s3cret@db/prod"}
risk: {max_drawdown_pct: "20"}
bots:
  - name: grid-a
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "100"}
    budget_pct: "40"
  - name: dca-b
    strategy: {kind: dca, base_order: "100", safety_order: "100", take_profit: "1.5"}
"""


@pytest.mark.parametrize("name", ["default", "grid-geometric", "dca", "trend", "trend-smc"])
def test_every_example_bot_round_trips_unchanged(name: str) -> None:
    config = load_config(f"configs/{name}.yaml")
    bot = config.bots[0]
    loaded = parse_config(preset_yaml(config, bot.name), "preset.yaml", {})
    assert loaded.bots == [bot]
    assert (loaded.replay, loaded.paper, loaded.risk) == (config.replay, config.paper, config.risk)


def test_one_bot_of_many_with_overrides_and_no_secrets() -> None:
    config = parse_config(MULTI, "multi.yaml", {})
    overrides = {"strategy.levels": 31, "strategy.amount_per_level": 150.5, "budget_pct": "60"}
    text = preset_yaml(config, "grid-a", overrides, note="best of 100 trials\nreturn 3.2 %")
    assert "s3cret" not in text and "storage" not in text
    assert "# best of 100 trials" in text
    loaded = parse_config(text, "preset.yaml", {})
    assert loaded == preset_config(config, "grid-a", overrides)
    (bot,) = loaded.bots
    assert bot.name == "grid-a" and bot.budget_pct == Decimal(60)
    assert bot.strategy is not None and bot.strategy.kind == "grid"
    assert (bot.strategy.levels, bot.strategy.amount_per_level) == (31, Decimal("150.5"))
    assert loaded.paper.fill_model == "ohlc" and loaded.risk.max_drawdown_pct == Decimal(20)
    assert loaded.storage.database_url is None


def test_bad_bot_or_override_is_a_config_error_naming_it() -> None:
    config = parse_config(MULTI, "multi.yaml", {})
    with pytest.raises(ConfigError, match="no bot named 'nope'.*grid-a, dca-b"):
        preset_yaml(config, "nope")
    with pytest.raises(ConfigError, match="levels"):
        preset_yaml(config, "grid-a", {"strategy.levels": -3})
    with pytest.raises(ConfigError, match="no section 'strat'"):
        preset_yaml(config, "grid-a", {"strat.levels": 3})
    with pytest.raises(ConfigError, match="spacing_typo"):
        preset_config(config, "grid-a", {"strategy.spacing_typo": "geometric"})


def test_export_writes_the_file_where_asked_and_defaults_under_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config("configs/dca.yaml")
    written = export_preset(config, "dca-btc", tmp_path / "sub" / "dca.yaml")
    assert written == tmp_path / "sub" / "dca.yaml"
    assert load_config(written).bots == config.bots
    monkeypatch.setenv("TRADERAGENT_CONFIG_DIR", str(tmp_path / "cfg"))
    path = default_preset_path("dca-btc")
    assert path.parent == tmp_path / "cfg" / "presets"
    assert path.name.startswith("dca-btc-") and path.suffix == ".yaml"
