"""What the program needs of one user strategy, and the checks a class passes to be one.

A plugin class follows `strategies.base.Strategy`: a class attribute `kind`, the seven
decision methods, and a nested pydantic model `Config` (frozen, every field documented, a
`kind: Literal["<kind>"] = "<kind>"` field) that its constructor takes with the instrument:
`RsiReversion(config, instrument)`. `StrategyPlugin` carries the same fields as the registry's
`strategies.kinds.StrategyKind` (without a kernel: a plugin runs on the engine only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel

from strategies.base import Strategy
from traderagent.domain import Instrument
from traderagent.plugins.errors import PluginError

DECISIONS = ("prime", "on_start", "on_candle", "on_fill", "on_resume", "wind_down", "describe")
"""The methods every strategy has (`strategies.base.Strategy`)."""

Builder = Callable[[Any, Instrument], Strategy]


@dataclass(frozen=True, slots=True)
class StrategyPlugin:
    """One strategy kind as a plugin offers it."""

    kind: str
    """The `kind:` a config names it by (its config model's `kind` literal)."""
    config: type[BaseModel]
    """Its settings: a pydantic model whose fields all have descriptions."""
    build: Builder
    """`(config, instrument) -> Strategy`; raises StrategyError when it cannot trade so."""
    description: str
    """One line: the first line of the class docstring."""
    quiet: bool = False
    """It tells its wake condition (`strategies.base.WakeAware`), so a replay may skip the
    candles it cannot act on."""
    source: str = ""
    """Where it came from: `path.py:Class` or `entry point NAME (distribution)`."""


def plugin_of(cls: object, source: str, *, described: bool = True) -> StrategyPlugin:
    """The plugin `cls` is; PluginError naming the first thing that keeps it from being one.
    `described=False` lets config fields without a description pass (the contract kit
    reports them in its config check instead)."""
    name = getattr(cls, "__name__", repr(cls))
    if not isinstance(cls, type):
        raise PluginError(f"{source}: {name} is not a class (a strategy is a class)")
    missing = [m for m in DECISIONS if not callable(getattr(cls, m, None))]
    if missing:
        raise PluginError(
            f"{source}: {name} is not a strategy: it has no {', '.join(missing)} "
            "(see strategies/base.py's Strategy protocol, or `traderagent strategy new`)"
        )
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind.isidentifier():
        raise PluginError(
            f"{source}: {name} needs a class attribute `kind`, a name such as "
            f"kind = {_snake(name)!r}"
        )
    config = getattr(cls, "Config", None)
    if not (isinstance(config, type) and issubclass(config, BaseModel)):
        raise PluginError(
            f"{source}: {name} has no config model: declare a nested `class Config(BaseModel)` "
            "with its settings"
        )
    declared = config.model_fields.get("kind")
    if declared is None or declared.default != kind or kind not in get_args(declared.annotation):
        raise PluginError(
            f"{source}: {name}.Config must declare `kind: Literal[{kind!r}] = {kind!r}` "
            "(a config names the strategy by it)"
        )
    bare = undocumented_fields(config) if described else []
    if bare:
        raise PluginError(
            f"{source}: {name}.Config fields without a description: {', '.join(bare)} (give each "
            "a docstring below it, with model_config use_attribute_docstrings=True, or "
            "Field(description=...))"
        )
    doc = (cls.__doc__ or "").strip().splitlines()
    return StrategyPlugin(
        kind=kind,
        config=config,
        build=cls,
        description=doc[0] if doc else name,
        quiet=callable(getattr(cls, "wake", None)),
        source=source,
    )


def undocumented_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Fields of `model` (and of the models nested in it) that have no description."""
    bare: list[str] = []
    for field_name, info in model.model_fields.items():
        path = f"{prefix}{field_name}"
        if not (info.description or "").strip():
            bare.append(path)
        for inner in _models_in(info.annotation):
            if inner is not model:
                bare.extend(undocumented_fields(inner, f"{path}."))
    return bare


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation names (`Bounds | None`, `list[Level]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
