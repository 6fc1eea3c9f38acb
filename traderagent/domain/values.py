"""A cheaper constructor for the frozen value types the engine builds on every event.

The `__init__` that `dataclass(frozen=True)` generates stores each field through
`object.__setattr__`, which costs more than the rest of a small value's life: the engine
builds several orders, a fill, a position and events for every fill. `quick_init` gives a
frozen, slotted dataclass an `__init__` with the same parameters and defaults that stores
each field through its slot's descriptor instead (two to three times cheaper). Nothing else
changes: the instance is as frozen as before (assignment still raises FrozenInstanceError),
and equality, hashing, `repr`, `replace` and pickling are the dataclass's own.
"""

from __future__ import annotations

import dataclasses
from types import MemberDescriptorType
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Replace the generated `__init__` of `cls`, a `dataclass(frozen=True, slots=True)`
    whose fields are all plain (set by `__init__`, positional, a literal default or none).
    TypeError for any other class: it keeps the constructor it has."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__: keep the dataclass __init__")
    namespace: dict[str, Any] = {}
    signature, body = [], []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = field.name
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{name} is not a plain field")
        namespace[f"_set_{name}"] = _slot(cls, name).__set__
        if field.default is dataclasses.MISSING:
            signature.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            signature.append(f"{name}=_default_{name}")
        body.append(f"    _set_{name}(self, {name})\n")
    header = f"def __init__(self, {', '.join(signature)}):\n"
    source = header + ("".join(body) or "    pass\n")
    exec(source, namespace)  # noqa: S102 - built from the class's own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    type.__setattr__(cls, "__init__", init)
    return cls


def _slot(cls: type, name: str) -> MemberDescriptorType:
    """The slot descriptor of field `name`, from `cls` or the base class that declares it."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            if isinstance(found, MemberDescriptorType):
                return found
            break
    raise TypeError(f"{cls.__name__}.{name} is not stored in a slot")
