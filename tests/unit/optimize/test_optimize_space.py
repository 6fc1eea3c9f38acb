"""Search-space files: parsing, validation against the strategy's config model, snapping."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from strategies.dca import DcaConfig
from strategies.grid import GridConfig
from strategies.grid.config import AtrBounds
from traderagent.config import load_config
from traderagent.optimize.space import Choice, FloatRange, IntRange, SearchSpace
from traderagent.optimize.space_file import SpaceError, load_space, parse_space

GRID = GridConfig(
    lower=Decimal(21000), upper=Decimal(25000), levels=41, amount_per_level=Decimal(200)
)
ATR_GRID = GridConfig(
    bounds=AtrBounds(atr_multiple=Decimal(6)), levels=21, amount_per_level=Decimal(100)
)
ROOT = Path(__file__).parents[3]


def test_the_example_space_files_fit_the_example_configs() -> None:
    grid = load_space(
        ROOT / "configs/spaces/grid.yaml",
        load_config(ROOT / "configs/default.yaml").bots[0].strategy,
    )  # type: ignore[arg-type]
    assert grid.kind == "grid"
    assert grid.names == ("lower", "upper", "levels", "spacing", "amount_per_level")
    assert grid.params[2] == IntRange("levels", 11, 41, 5)
    assert grid.params[3] == Choice("spacing", ("arithmetic", "geometric"))
    dca = load_space(
        ROOT / "configs/spaces/dca.yaml", load_config(ROOT / "configs/dca.yaml").bots[0].strategy
    )  # type: ignore[arg-type]
    assert dca.kind == "dca" and "take_profit" in dca.names


def test_a_space_is_parsed_in_file_order_with_its_kinds() -> None:
    space = parse_space(
        {
            "levels": {"int": [10, 60], "step": 5},
            "lower": {"float": [20000, 22000], "step": 250},
            "amount_per_level": {"float": [100, 400], "log": True},
            "spacing": {"choice": ["arithmetic", "geometric"]},
            "stop_outside_pct": {"choice": [None, 5, 10]},
        },
        GRID,
    )
    assert space.params == (
        IntRange("levels", 10, 60, 5),
        FloatRange("lower", 20000.0, 22000.0, 250.0),
        FloatRange("amount_per_level", 100.0, 400.0, None, log=True),
        Choice("spacing", ("arithmetic", "geometric")),
        Choice("stop_outside_pct", (None, 5, 10)),
    )
    assert [p.name for p in space.numeric] == ["levels", "lower", "amount_per_level"]


def test_a_nested_field_is_named_with_a_dot() -> None:
    space = parse_space({"bounds.atr_multiple": {"float": [2, 8], "step": 0.5}}, ATR_GRID)
    assert space.overrides({"bounds.atr_multiple": 4.5}) == {"strategy.bounds.atr_multiple": "4.5"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"levls": {"int": [10, 20]}},
            "levls: unknown parameter; a grid strategy has: direction, lower",
        ),
        ({"kind": {"choice": ["dca"]}}, "unknown parameter"),
        ({"levels": {"int": [20, 10]}}, "low (20) is above high (10)"),
        (
            {"levels": {"int": [1, 10]}},
            "1 is not allowed: Input should be greater than or equal to 2",
        ),
        ({"levels": {"float": [2, 10]}}, "takes int values: use int: or choice:"),
        ({"lower": {"int": [20000, 22000]}}, "takes decimal values, not whole numbers"),
        ({"spacing": {"choice": ["arithmetic", "spiral"]}}, "'spiral' is not allowed"),
        ({"spacing": {"choice": []}}, "choice needs a list of values"),
        ({"spacing": {"choice": ["geometric", "geometric"]}}, "lists a value twice"),
        ({"lower": {"float": [100, 250], "step": 100}}, "not a whole number of steps of 100"),
        ({"lower": {"float": [100, 200], "step": -5}}, "step must be positive"),
        ({"amount_per_level": {"float": [0, 10], "log": True}}, "a log range must start above 0"),
        ({"amount_per_level": {"float": [1, 10], "log": True, "step": 1.0}}, "takes no step"),
        (
            {"range_factor": {"float": [0.5, 1.5]}},
            "1.5 is not allowed: Input should be less than or equal to 1",
        ),
        ({"levels": [10, 20]}, "give exactly one of int: [low, high]"),
        ({"levels": {"int": [10, 20], "float": [1, 2]}}, "give exactly one of"),
        ({"levels": {"int": [10, 20], "stride": 2}}, "unknown key(s) stride"),
        ({"levels": {"int": ["ten", 20]}}, "'ten' is not a whole number"),
        ({"levels": {"int": [10]}}, "a range is [low, high]"),
        ({"levels.count": {"int": [10, 20]}}, "levels has no fields of its own"),
        (
            {"bounds.atr_multiple": {"float": [0, 5]}},
            "0 is not allowed: Input should be greater than 0",
        ),
        ({}, "expected a mapping of grid parameters"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_a_bad_space_names_the_parameter_and_the_problem(data: Any, message: str) -> None:
    with pytest.raises(SpaceError) as caught:
        parse_space(data, GRID, "space.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("space.yaml")


def test_an_unreadable_or_broken_file_is_a_space_error(tmp_path: Path) -> None:
    with pytest.raises(SpaceError, match="cannot read the space file"):
        load_space(tmp_path / "missing.yaml", GRID)
    broken = tmp_path / "broken.yaml"
    broken.write_text("levels: {int: [10, 20\n", encoding="utf-8")
    with pytest.raises(SpaceError, match="not valid YAML"):
        load_space(broken, GRID)


def test_dca_fields_are_checked_against_the_dca_model() -> None:
    dca = DcaConfig(base_order=Decimal(100), safety_order=Decimal(100))
    with pytest.raises(SpaceError, match="50 is not allowed"):
        parse_space({"step_scale": {"float": [1, 50]}}, dca)
    space = parse_space(
        {"max_safety_orders": {"int": [2, 8]}, "mode": {"choice": ["normal", "accumulate"]}}, dca
    )
    assert space.middle() == {"max_safety_orders": 5, "mode": "normal"}


def test_unit_coordinates_snap_to_the_step_and_follow_log_scales() -> None:
    levels = IntRange("levels", 10, 60, 5)
    assert levels.from_unit(0.0) == 10 and levels.from_unit(1.0) == 60
    assert levels.from_unit(0.52) == 35 and levels.size == 11
    assert levels.from_unit(1.7) == 60  # clipped
    tenths = FloatRange("x", 0.0, 1.0, 0.1)
    assert tenths.from_unit(0.3) == 0.3 and tenths.from_unit(0.33) == 0.3  # no 0.30000000000000004
    log = FloatRange("amount", 1.0, 100.0, log=True)
    assert log.from_unit(0.5) == pytest.approx(10.0)
    assert log.to_unit(10.0) == pytest.approx(0.5)
    assert FloatRange("x", 0.0, 1.0).from_unit(1 / 3) == 0.3333333333


def test_overrides_write_floats_as_plain_decimal_text() -> None:
    space = SearchSpace(
        "grid",
        (
            FloatRange("lower", 1.0, 30000.0),
            IntRange("levels", 2, 9),
            Choice("spacing", ("geometric",)),
        ),
    )
    assert space.overrides({"lower": 22750.0, "levels": 7, "spacing": "geometric"}) == {
        "strategy.lower": "22750",
        "strategy.levels": 7,
        "strategy.spacing": "geometric",
    }
