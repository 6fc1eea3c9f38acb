"""Find a user's strategy: a class in a Python file (`dir/rsi.py:RsiReversion`) or one an
installed package offers under the entry-point group `traderagent.strategies`.

A file is executed as a module of its own (`traderagent_plugin_<stem>_<n>`, kept in
`sys.modules` so dataclasses and pydantic resolve its annotations), with its folder on
`sys.path` meanwhile so it can import helper modules beside it; `fresh=True` executes it
again as a new module, so state kept in the class or the module starts empty (the contract
kit's determinism check uses that). Every problem is a one-line PluginError.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from traderagent.plugins.errors import PluginError
from traderagent.plugins.spec import DECISIONS, StrategyPlugin, plugin_of

ENTRY_POINT_GROUP = "traderagent.strategies"
"""The entry-point group installed packages register their strategy classes under."""

_loaded: dict[Path, ModuleType] = {}
_serial = itertools.count(1)


def split_spec(spec: str) -> tuple[Path, str]:
    """`dir/rsi.py:RsiReversion` -> (path, class name); the class may be left out (`''`)."""
    path, sep, name = spec.rpartition(":")
    if not sep or not name.isidentifier():
        path, name = spec, ""
    return Path(path).expanduser(), name


def is_file_spec(spec: str) -> bool:
    """Whether `spec` names a file (`x.py[:Class]`) rather than a registered kind."""
    path, _ = split_spec(spec)
    return path.suffix == ".py" or "/" in str(path) or path.exists()


def load_module(path: Path, *, fresh: bool = False) -> ModuleType:
    """Execute the strategy file at `path` (once; again when `fresh`)."""
    path = path.resolve()
    if not fresh and path in _loaded:
        return _loaded[path]
    if not path.is_file():
        raise PluginError(f"{path}: no such strategy file")
    if path.suffix != ".py":
        raise PluginError(f"{path}: a strategy file is Python source ending in .py")
    name = f"traderagent_plugin_{_identifier(path.stem)}_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # pydantic (Python < 3.13) reads the config's field docstrings from the frame whose file
    # maps to the model's module: map the file to this module, not one made from it earlier
    inspect.modulesbyfile[os.path.normcase(str(path))] = name
    inspect.modulesbyfile[os.path.realpath(path)] = name
    sys.path.insert(0, str(path.parent))  # its own helper modules beside it import as usual
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the user's code: one line naming the file, not a traceback
        del sys.modules[name]
        raise PluginError(f"{path}: importing it failed: {_one_line(err)}") from err
    finally:
        sys.path.remove(str(path.parent))
    if not fresh:
        _loaded[path] = module
    return module


def load_strategy_class(spec: str, *, fresh: bool = False) -> type:
    """The class `spec` (`path.py:Class`, or `path.py` holding exactly one strategy class)."""
    path, name = split_spec(spec)
    module = load_module(path, fresh=fresh)
    if name:
        found = getattr(module, name, None)
        if found is None:
            raise PluginError(f"{path}: no class {name} in it (defined: {_classes(module)})")
        if not isinstance(found, type):
            raise PluginError(f"{path}: {name} is not a class")
        return found
    own = _own_classes(module)
    candidates = [c for c in own if _looks_like_strategy(c)] or own[:1] * (len(own) == 1)
    if len(candidates) != 1:
        many = ", ".join(c.__name__ for c in candidates) or "none"
        raise PluginError(
            f"{path}: name the class as {path}:ClassName (strategy classes in it: {many})"
        )
    return candidates[0]


def load_plugin(spec: str, *, fresh: bool = False, described: bool = True) -> StrategyPlugin:
    """The plugin of the class `spec` names (see `load_strategy_class`). `described=False`
    lets config fields without a description pass (the contract kit reports them itself)."""
    cls = load_strategy_class(spec, fresh=fresh)
    path, _ = split_spec(spec)
    return plugin_of(cls, f"{path}:{cls.__name__}", described=described)


def entry_point_plugins() -> dict[str, StrategyPlugin]:
    """The plugins installed packages offer (group `traderagent.strategies`), by kind. An entry
    point that fails to load, or a kind offered twice, is a PluginError naming them."""
    found: dict[str, StrategyPlugin] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {point.name} ({point.value})"
        try:
            target = point.load()
        except Exception as err:  # an installed package's code: say which one failed
            raise PluginError(f"{where}: loading it failed: {_one_line(err)}") from err
        plugin = target if isinstance(target, StrategyPlugin) else plugin_of(target, where)
        if plugin.kind in found:
            raise PluginError(
                f"{where}: kind {plugin.kind!r} is offered by {found[plugin.kind].source} "
                "already; uninstall one or rename its kind"
            )
        found[plugin.kind] = plugin
    return found


def _own_classes(module: ModuleType) -> list[type]:
    return [
        c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__
    ]


def _classes(module: ModuleType) -> str:
    return ", ".join(c.__name__ for c in _own_classes(module)) or "none"


def _looks_like_strategy(cls: type) -> bool:
    return all(callable(getattr(cls, m, None)) for m in DECISIONS)


def _identifier(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in text)
    return cleaned or "strategy"


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
