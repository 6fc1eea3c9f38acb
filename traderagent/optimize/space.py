"""A search space: the strategy parameters an optimisation varies, each with its range.

Every numeric range maps onto the unit interval (`to_unit` / `from_unit`, logarithmically for
`log: true`), so the grid search builds and refines its lattices the same way for whole
numbers, prices and log-scaled amounts; `from_unit` snaps to the range's step.
`space_file.load_space` builds a space from YAML and checks it against the strategy's model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ParamValue = int | float | str | bool | None
"""One parameter's value in a trial (what the config receives)."""
Point = dict[str, ParamValue]
"""One trial's parameters, by name."""
SIGNIFICANT = 10
"""A float range without a step keeps this many significant digits (clean preset files)."""


@dataclass(frozen=True, slots=True)
class IntRange:
    """Whole numbers from `low` to `high` (both included), every `step`-th."""

    name: str
    low: int
    high: int
    step: int = 1
    log: bool = False

    def to_unit(self, value: float) -> float:
        return _to_unit(float(value), self.low, self.high, self.log)

    def from_unit(self, unit: float) -> int:
        raw = _from_unit(unit, self.low, self.high, self.log)
        steps = round((raw - self.low) / self.step)
        return min(max(self.low + steps * self.step, self.low), self.high)

    @property
    def size(self) -> int:
        """How many distinct values the range holds."""
        return (self.high - self.low) // self.step + 1


@dataclass(frozen=True, slots=True)
class FloatRange:
    """Real numbers from `low` to `high`; with a `step`, only low + k x step."""

    name: str
    low: float
    high: float
    step: float | None = None
    log: bool = False

    def to_unit(self, value: float) -> float:
        return _to_unit(float(value), self.low, self.high, self.log)

    def from_unit(self, unit: float) -> float:
        raw = _from_unit(unit, self.low, self.high, self.log)
        if self.step is None:
            return float(f"{min(max(raw, self.low), self.high):.{SIGNIFICANT}g}")
        places = max(-_exponent(self.step), 0)
        steps = round((raw - self.low) / self.step)
        value = round(self.low + steps * self.step, places)
        return min(max(value, self.low), self.high)

    @property
    def size(self) -> int:
        """Distinct values (a large number for a continuous range)."""
        if self.step is None:
            return 1 << 30
        return int(round((self.high - self.low) / self.step)) + 1


@dataclass(frozen=True, slots=True)
class Choice:
    """One of a fixed list of values (a spacing, a mode, on/off)."""

    name: str
    options: tuple[ParamValue, ...]


Param = IntRange | FloatRange | Choice
NumericParam = IntRange | FloatRange


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """The parameters of one bot's strategy that a search varies, in the file's order."""

    kind: str
    """The strategy kind the space was checked against (grid, dca, trend)."""
    params: tuple[Param, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def numeric(self) -> tuple[NumericParam, ...]:
        return tuple(p for p in self.params if not isinstance(p, Choice))

    @property
    def choices(self) -> tuple[Choice, ...]:
        return tuple(p for p in self.params if isinstance(p, Choice))

    def middle(self) -> Point:
        """The centre of every numeric range and the first option of every choice."""
        return {
            p.name: p.options[0] if isinstance(p, Choice) else p.from_unit(0.5) for p in self.params
        }

    def overrides(self, point: Mapping[str, ParamValue]) -> dict[str, Any]:
        """The point as preset overrides of the bot (`strategy.<name>`); floats as decimal
        text (`22750`, not `22750.0`), which Decimal and float fields both read exactly."""
        return {f"strategy.{name}": _text(point[name]) for name in self.names}


def _text(value: ParamValue) -> ParamValue:
    if not isinstance(value, float):
        return value
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _to_unit(value: float, low: float, high: float, log: bool) -> float:
    if high == low:
        return 0.5
    if log:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def _from_unit(unit: float, low: float, high: float, log: bool) -> float:
    unit = min(max(unit, 0.0), 1.0)
    if log:
        return math.exp(math.log(low) + unit * (math.log(high) - math.log(low)))
    return low + unit * (high - low)


def _exponent(step: float) -> int:
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
