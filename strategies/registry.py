"""The strategy registry: kind -> config model, builder, kernel, quiet-span hint.

The one place that says which strategy kinds exist. Config parsing (the `kind`-discriminated
union of `traderagent.config.strategies`), the strategy builder (`strategies.catalog`), `--fast`
and the optimizer's kernel lane all ask it instead of listing kinds themselves.

Built-ins are registered below from their packages' `KIND`. User strategies (`kind: custom,
path: file.py:Class`, and installed packages' entry points of `traderagent.strategies`) are
registered by `traderagent.plugins.registration.register_plugins`, which the config calls
before it builds its models (this package stays below the plugin loader).
"""

from __future__ import annotations

from strategies.dca import KIND as DCA
from strategies.grid import KIND as GRID
from strategies.kinds import StrategyKind
from strategies.trend import KIND as TREND

_KINDS: dict[str, StrategyKind] = {}


class UnknownStrategy(KeyError):
    """A `kind` nobody registered (the message lists those that are)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown strategy kind"


def register(entry: StrategyKind) -> StrategyKind:
    """Add `entry`; a kind registered twice is a ValueError (two plugins claiming one name
    must not silently replace each other, nor a built-in)."""
    if entry.kind in _KINDS:
        raise ValueError(f"strategy kind {entry.kind!r} is registered already")
    declared = entry.config.model_fields.get("kind")
    if declared is None or declared.default != entry.kind:
        raise ValueError(
            f"strategy kind {entry.kind!r}: its config model {entry.config.__name__} must "
            f"declare `kind: Literal[{entry.kind!r}] = {entry.kind!r}`"
        )
    _KINDS[entry.kind] = entry
    return entry


def lookup(kind: str) -> StrategyKind:
    """The registered kind `kind`; UnknownStrategy (naming those there are) otherwise."""
    entry = _KINDS.get(kind)
    if entry is None:
        raise UnknownStrategy(f"unknown strategy kind {kind!r} (known: {', '.join(kinds())})")
    return entry


def kinds() -> tuple[str, ...]:
    """Every registered kind, in registration order (built-ins first)."""
    return tuple(_KINDS)


def entries() -> tuple[StrategyKind, ...]:
    return tuple(_KINDS.values())


def kernel_of(kind: str) -> str | None:
    """The fast kernel that reproduces `kind`, or None (unknown kinds and `router` too)."""
    entry = _KINDS.get(kind)
    return entry.kernel if entry is not None else None


def kernel_kinds() -> tuple[str, ...]:
    """The kinds a fast kernel reproduces."""
    return tuple(e.kind for e in _KINDS.values() if e.kernel is not None)


for _builtin in (GRID, DCA, TREND):
    register(_builtin)
