"""Read a search-space YAML file and check it against the strategy's config model.

    levels: {int: [10, 60], step: 5}           # whole numbers, every 5th
    lower: {float: [20000, 22000], step: 250}  # prices (any Decimal or float field)
    amount_per_level: {float: [100, 400], log: true}
    spacing: {choice: [arithmetic, geometric]}
    bounds.atr_multiple: {float: [3, 9]}       # a field of a nested section

Each problem (an unknown parameter, a range the field's own limits refuse, low above high, a
step that does not divide the range, an int range on a price) is a SpaceError whose message
names the file and the parameter; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from traderagent.optimize.space import Choice, FloatRange, IntRange, Param, SearchSpace

KINDS = ("int", "float", "choice")
OPTIONS = frozenset({*KINDS, "step", "log"})


class SpaceError(ValueError):
    """A search space that cannot be used; the message says what to change."""


def load_space(path: Path, strategy: BaseModel) -> SearchSpace:
    """The space in the YAML file `path`, checked against `strategy`'s config model."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SpaceError(f"{path}: cannot read the space file: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise SpaceError(f"{path}: not valid YAML: {err}") from None
    return parse_space(data, strategy, str(path))


def parse_space(data: Any, strategy: BaseModel, source: str = "space") -> SearchSpace:
    """The space described by `data` (a mapping of parameter name to range)."""
    kind = str(getattr(strategy, "kind", type(strategy).__name__))
    if not isinstance(data, dict) or not data:
        raise SpaceError(
            f"{source}: expected a mapping of {kind} parameters to ranges, "
            "e.g. `levels: {int: [10, 60], step: 5}`"
        )
    model = type(_own_settings(strategy))
    params = [_param(str(name), spec, model, f"{source}: {name}") for name, spec in data.items()]
    return SearchSpace(kind, tuple(params))


def _own_settings(strategy: BaseModel) -> BaseModel:
    """The model a space's names are fields of: a `custom` strategy's plugin settings (its
    `settings()`, the keys beside `path`), else the strategy's config itself."""
    settings = getattr(strategy, "settings", None)
    own = settings() if callable(settings) else strategy
    return own if isinstance(own, BaseModel) else strategy


def _param(name: str, spec: Any, model: type[BaseModel], where: str) -> Param:
    field = _field(model, name, where)
    if not isinstance(spec, dict) or len(set(spec) & set(KINDS)) != 1:
        raise SpaceError(
            f"{where}: give exactly one of int: [low, high], float: [low, high] or "
            "choice: [a, b, ...] (with optional step: and log:)"
        )
    unknown = sorted(set(spec) - OPTIONS)
    if unknown:
        raise SpaceError(f"{where}: unknown key(s) {', '.join(unknown)}; use {', '.join(OPTIONS)}")
    base = _base_type(field.annotation)
    adapter = _adapter(field)
    if "choice" in spec:
        return _choice(name, spec, adapter, base, where)
    param: IntRange | FloatRange
    if "int" in spec:
        if base is not int:
            raise SpaceError(
                f"{where}: takes {_type_name(base)} values, not whole numbers: "
                "use float: or choice:"
            )
        low, high = _bounds(spec["int"], int, where)
        step = _positive(spec.get("step", 1), int, where)
        param = IntRange(name, low, high, step, _flag(spec, where))
    else:
        if base not in (float, Decimal):
            raise SpaceError(f"{where}: takes {_type_name(base)} values: use int: or choice:")
        low_f, high_f = _bounds(spec["float"], float, where)
        raw_step = spec.get("step")
        step_f = None if raw_step is None else _positive(raw_step, float, where)
        param = FloatRange(name, low_f, high_f, step_f, _flag(spec, where))
    _check_range(param, adapter, base, where)
    return param


def _field(model: type[BaseModel], name: str, where: str) -> FieldInfo:
    head, _, rest = name.partition(".")
    fields = model.model_fields
    if head not in fields or head == "kind":
        known = ", ".join(n for n in fields if n != "kind")
        owner = f"a {fields['kind'].default} strategy" if "kind" in fields else model.__name__
        raise SpaceError(f"{where}: unknown parameter; {owner} has: {known}")
    field = fields[head]
    if not rest:
        return field
    nested = _base_type(field.annotation)
    if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
        raise SpaceError(f"{where}: {head} has no fields of its own")
    return _field(nested, rest, where)


def _adapter(field: FieldInfo) -> TypeAdapter[Any]:
    """Validates one value as the field does (its type and its limits, e.g. gt=0)."""
    annotation: Any = field.annotation
    if not field.metadata:
        return TypeAdapter(annotation)
    return TypeAdapter(Annotated.__class_getitem__((annotation, *field.metadata)))  # type: ignore[attr-defined]


def _base_type(annotation: Any) -> Any:
    """The annotation without `| None`."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _type_name(base: Any) -> str:
    if typing.get_origin(base) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(base)))
    return getattr(base, "__name__", str(base)).replace("Decimal", "decimal")


def _bounds(value: Any, kind: type, where: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise SpaceError(f"{where}: a range is [low, high], got {value!r}")
    low, high = (_number(v, kind, where) for v in value)
    if low > high:
        raise SpaceError(f"{where}: low ({low}) is above high ({high})")
    return low, high


def _number(value: Any, kind: type, where: str) -> Any:
    ok = isinstance(value, int) if kind is int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        what = "a whole number" if kind is int else "a number"
        raise SpaceError(f"{where}: {value!r} is not {what}")
    return kind(value)


def _positive(value: Any, kind: type, where: str) -> Any:
    number = _number(value, kind, where)
    if number <= 0:
        raise SpaceError(f"{where}: step must be positive, got {value!r}")
    return number


def _flag(spec: dict[str, Any], where: str) -> bool:
    value = spec.get("log", False)
    if not isinstance(value, bool):
        raise SpaceError(f"{where}: log is true or false, got {value!r}")
    return value


def _choice(
    name: str, spec: dict[str, Any], adapter: TypeAdapter[Any], base: Any, where: str
) -> Choice:
    options = spec["choice"]
    if "step" in spec or "log" in spec:
        raise SpaceError(f"{where}: a choice takes no step or log")
    if not isinstance(options, list) or not options:
        raise SpaceError(f"{where}: choice needs a list of values, e.g. choice: [a, b]")
    if len({repr(o) for o in options}) != len(options):
        raise SpaceError(f"{where}: the choice lists a value twice")
    for option in options:
        _accepts(adapter, base, option, where)
    return Choice(name, tuple(options))


def _check_range(
    param: IntRange | FloatRange, adapter: TypeAdapter[Any], base: Any, where: str
) -> None:
    if param.log and param.low <= 0:
        raise SpaceError(f"{where}: a log range must start above 0, got {param.low}")
    stepped = param.step != 1 if isinstance(param, IntRange) else param.step is not None
    if param.log and stepped:
        raise SpaceError(f"{where}: a log range takes no step (its values are spaced by ratio)")
    if param.step is not None:
        span = (Decimal(repr(param.high)) - Decimal(repr(param.low))) / Decimal(repr(param.step))
        if span != span.to_integral_value():
            raise SpaceError(
                f"{where}: the range {param.low}..{param.high} is not a whole number of steps "
                f"of {param.step}; move high to a multiple of the step from low"
            )
    for end in (param.low, param.high):
        _accepts(adapter, base, end, where)


def _accepts(adapter: TypeAdapter[Any], base: Any, value: Any, where: str) -> None:
    try:
        text = base is Decimal and value is not None and not isinstance(value, bool)
        adapter.validate_python(str(value) if text else value)
    except ValidationError as err:
        reason = err.errors(include_url=False)[0]["msg"]
        shown = f"{value:g}" if isinstance(value, float) else repr(value)
        raise SpaceError(f"{where}: {shown} is not allowed: {reason}") from None
