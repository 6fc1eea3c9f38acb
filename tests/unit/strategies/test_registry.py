"""The strategy registry: one place that knows the kinds, their configs, builders and kernels."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

import pytest
from kit.factories import BTCUSDT
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from strategies import registry
from strategies.catalog import build_strategy
from strategies.dca import DcaConfig, DcaStrategy
from strategies.grid import GridConfig, GridStrategy
from strategies.kinds import StrategyKind
from strategies.trend import TrendConfig, TrendStrategy
from traderagent.config.strategies import STRATEGY_KINDS, StrategyConfig


class EchoConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["echo"] = "echo"


class EchoStrategy:
    kind = "echo"

    def __init__(self, config: EchoConfig, instrument: object) -> None:
        self.config, self.instrument = config, instrument


@pytest.fixture
def echo() -> Iterator[StrategyKind]:
    entry = registry.register(StrategyKind("echo", EchoConfig, EchoStrategy, "test plugin"))  # type: ignore[arg-type]
    yield entry
    del registry._KINDS["echo"]


def test_the_built_ins_are_registered_with_their_models_and_kernels() -> None:
    assert registry.kinds() == ("grid", "dca", "trend", "custom")  # custom: the config's plugins
    assert registry.lookup("grid").config is GridConfig
    assert registry.lookup("dca").config is DcaConfig
    assert registry.lookup("trend").config is TrendConfig
    assert registry.kernel_kinds() == ("grid", "dca")
    assert registry.kernel_of("trend") is None
    assert registry.kernel_of("router") is None
    assert registry.kernel_of("custom") is None  # a user strategy runs on the engine only
    assert all(e.quiet and e.description for e in registry.entries()[:3])


def test_the_config_union_takes_every_registered_kind() -> None:
    assert registry.kinds() == STRATEGY_KINDS
    adapter: TypeAdapter[object] = TypeAdapter(StrategyConfig)
    parsed = adapter.validate_python(
        {"kind": "grid", "lower": 90, "upper": 110, "levels": 5, "amount_per_level": 10}
    )
    assert isinstance(parsed, GridConfig)
    assert isinstance(adapter.validate_python({"kind": "trend"}), TrendConfig)
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        adapter.validate_python({"kind": "martingale"})


SAMPLES = (
    GridConfig(lower=Decimal(90), upper=Decimal(110), levels=5, amount_per_level=Decimal(10)),
    DcaConfig(base_order=Decimal(10), safety_order=Decimal(10)),
    TrendConfig(),
)


@pytest.mark.parametrize(
    ("settings", "built"), zip(SAMPLES, (GridStrategy, DcaStrategy, TrendStrategy), strict=True)
)
def test_the_builder_is_the_registered_one(settings: object, built: type) -> None:
    assert type(build_strategy(settings, BTCUSDT)) is built  # type: ignore[arg-type]


def test_a_registered_plugin_is_built_by_its_kind(echo: StrategyKind) -> None:
    assert registry.lookup("echo") is echo
    assert registry.kernel_of("echo") is None
    strategy = build_strategy(EchoConfig(), BTCUSDT)  # type: ignore[arg-type]
    assert isinstance(strategy, EchoStrategy)
    assert strategy.instrument is BTCUSDT


def test_a_kind_cannot_be_registered_twice(echo: StrategyKind) -> None:
    with pytest.raises(ValueError, match="'echo' is registered already"):
        registry.register(echo)
    with pytest.raises(ValueError, match="'grid' is registered already"):
        registry.register(registry.lookup("grid"))


def test_a_config_model_must_carry_its_kind_tag() -> None:
    with pytest.raises(ValueError, match="must declare `kind: Literal\\['other'\\]"):
        registry.register(StrategyKind("other", EchoConfig, EchoStrategy, "wrong tag"))  # type: ignore[arg-type]
    assert "other" not in registry.kinds()


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(registry.UnknownStrategy, match="'martingale' .*known: grid, dca, trend"):
        registry.lookup("martingale")


def test_every_kernel_the_registry_names_has_a_runner() -> None:
    from traderagent.backtest.kernels.api import RUNNERS

    assert {registry.kernel_of(kind) for kind in registry.kernel_kinds()} == set(RUNNERS)


@pytest.mark.parametrize("settings", SAMPLES, ids=lambda s: s.kind)
def test_the_quiet_hint_says_whether_the_strategy_tells_its_wake(settings: object) -> None:
    entry = registry.lookup(settings.kind)  # type: ignore[attr-defined]
    strategy = entry.build(settings, BTCUSDT)
    assert callable(getattr(strategy, "wake", None)) is entry.quiet
