from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG, write_config

from traderagent.config import ConfigError, default_config_path, load_config, parse_config


def test_default_config_loads_and_matches_the_example_in_configs() -> None:
    config = load_config()
    assert config.mode == "paper"
    assert config.bots[0].name == "grid-btc"
    assert config.bots[0].strategy.kind == "grid"
    example = Path(__file__).parents[2] / "configs" / "default.yaml"
    assert example.read_text() == default_config_path().read_text()


def test_env_substitution_with_and_without_default() -> None:
    text = SMALL_CONFIG.replace('lower: "22000"', "lower: ${LOWER}").replace(
        "speed: max", "speed: ${SPEED:-120}"
    )
    config = parse_config(text, "x.yaml", {"LOWER": "21500"})
    assert config.bots[0].strategy.lower == Decimal("21500")
    assert config.replay.speed_factor == 120.0
    config = parse_config(text, "x.yaml", {"LOWER": "21500", "SPEED": "max"})
    assert config.replay.speed_factor is None


def test_missing_env_variable_names_it_and_the_field() -> None:
    text = SMALL_CONFIG.replace('lower: "22000"', "lower: ${GRID_LOWER}")
    with pytest.raises(ConfigError) as err:
        parse_config(text, "x.yaml", {})
    assert "x.yaml: bots[0].strategy.lower: environment variable GRID_LOWER is not set" in str(
        err.value
    )


def test_wrong_type_names_file_field_path_and_value(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG.replace("levels: 21", "levels: twenty"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: bots[0].strategy.levels: ")
    assert "integer" in message
    assert "'twenty'" in message


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(SMALL_CONFIG.replace("mode: paper", "mode: paper\nspeeed: 3"), "c.yaml", {})
    assert "c.yaml: speeed: unknown setting" in str(err.value)


def test_bounds_must_be_ordered_and_names_unique() -> None:
    bad = SMALL_CONFIG.replace('upper: "24000"', 'upper: "21000"')
    with pytest.raises(ConfigError, match=r"bots\[0\].strategy: Value error, upper \(21000\)"):
        parse_config(bad, "c.yaml", {})
    twice = SMALL_CONFIG + SMALL_CONFIG[SMALL_CONFIG.index("  - name") :]
    with pytest.raises(ConfigError, match="repeated: grid-btc"):
        parse_config(twice, "c.yaml", {})


def test_invalid_yaml_reports_line_and_column() -> None:
    with pytest.raises(
        ConfigError, match=r"c.yaml: invalid YAML: line 3, column 4: expected <block end>"
    ):
        parse_config("bots:\n  - name: x\n   y: 1\n", "c.yaml", {})


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        parse_config("- 1\n- 2\n", "c.yaml", {})


def test_models_are_frozen() -> None:
    config = parse_config(SMALL_CONFIG, "c.yaml", {})
    with pytest.raises(ValueError, match="frozen"):
        config.bots[0].strategy.levels = 3  # type: ignore[misc]
