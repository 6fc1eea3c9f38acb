"""What `strategy check` checks: a strategy file's class or a registered kind, its settings,
and how to get a new instance of it (from a fresh load of its file, where it has one).

Registered kinds (`strategies.registry`) are built by their builder, the built-ins on the
settings of the bundled example configs (configs/default.yaml, dca.yaml, trend.yaml), others
on their config's defaults; installed plugins not registered yet are found by their entry
point (`traderagent.strategies`).
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from strategies.base import Strategy
from traderagent.domain import Instrument
from traderagent.plugins.errors import PluginError
from traderagent.plugins.loader import entry_point_plugins, is_file_spec, load_plugin
from traderagent.plugins.spec import StrategyPlugin

BUILTIN_SETTINGS: dict[str, dict[str, Any]] = {
    "grid": {"lower": "21000", "upper": "25000", "levels": 41, "amount_per_level": "200"},
    "dca": {
        "base_order": "200",
        "safety_order": "200",
        "max_safety_orders": 5,
        "active_safety_orders": 2,
        "price_deviation": "1",
        "step_scale": "1.2",
        "take_profit": "1.5",
    },
    "trend": {"interval": "15m", "risk_per_trade": "0.01", "max_notional": "2000"},
}
"""Settings a built-in kind is checked with, unless `--config` says otherwise."""


@dataclass(frozen=True)
class Subject:
    """One strategy to check, with its validated settings."""

    name: str
    plugin: StrategyPlugin
    settings: dict[str, Any]
    """Its settings as given (validated once more against a freshly loaded config model)."""
    spec: str = ""
    """`path.py:Class` of a file plugin ('' for a registered kind: no fresh load)."""

    def load(self, *, fresh: bool) -> StrategyPlugin:
        """The plugin; `fresh` executes its file again first (a file plugin), so nothing kept
        in its class or module survives from earlier runs."""
        if fresh and self.spec:
            return load_plugin(self.spec, fresh=True, described=False)
        return self.plugin

    def build(self, plugin: StrategyPlugin, instrument: Instrument) -> Strategy:
        """A new strategy from `plugin` (this subject's, or a fresh load of it)."""
        return plugin.build(_validated(plugin, self.settings), instrument)


def modules_of(strategy: Strategy) -> list[ModuleType]:
    """The module of the strategy's class: its globals are watched for the clock."""
    module = sys.modules.get(type(strategy).__module__)
    return [module] if module is not None else []


def source_of(strategy: Strategy) -> Path | None:
    """The file defining the strategy's class (the import audit reads it)."""
    found = inspect.getsourcefile(type(strategy))
    return Path(found) if found else None


def subject_of(target: str, config_text: str | None, instrument: Instrument) -> Subject:
    """The subject `target` names (`path.py[:Class]`, a built-in kind or an installed
    plugin's kind), with `config_text` (YAML: a file or an inline mapping) over its
    defaults. PluginError says what is wrong."""
    overrides = _settings(config_text)
    if is_file_spec(target):
        plugin = load_plugin(target, described=False)  # the config check says which
        subject = Subject(plugin.source, plugin, overrides, spec=target)
    elif target in _registered_kinds():
        settings = {**BUILTIN_SETTINGS.get(target, {}), **overrides}
        subject = Subject(target, _registered(target), settings)
    else:
        installed = entry_point_plugins()
        if target not in installed:
            known = ", ".join([*_registered_kinds(), *installed])
            raise PluginError(
                f"{target}: neither a strategy file (path.py:Class) nor a kind (known: {known})"
            )
        subject = Subject(target, installed[target], overrides)
    kind = overrides.get("kind")
    if kind is not None and kind != subject.plugin.kind:
        raise PluginError(f"--config names kind {kind!r}, the strategy is {subject.plugin.kind!r}")
    try:
        subject.build(subject.plugin, instrument)  # settings that do not validate fail here
    except PluginError:
        raise
    except Exception as err:  # the strategy refuses these settings (StrategyError and kin)
        text = str(err).strip().splitlines()
        reason = text[0] if text else type(err).__name__
        raise PluginError(
            f"{subject.name}: cannot be built with these settings: {reason}"
        ) from None
    return subject


def _registered(kind: str) -> StrategyPlugin:
    from strategies.registry import lookup

    entry = lookup(kind)
    return StrategyPlugin(
        entry.kind, entry.config, entry.build, entry.description, entry.quiet, source=kind
    )


def _registered_kinds() -> tuple[str, ...]:
    from strategies.registry import kinds

    return tuple(k for k in kinds() if k != "custom")  # `custom` names a file: give the file


def _validated(plugin: StrategyPlugin, settings: dict[str, Any]) -> BaseModel:
    try:
        return plugin.config.model_validate({"kind": plugin.kind, **settings})
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise PluginError(
            f"{plugin.source}: setting {where}: {first['msg']} ({err.error_count()} error(s); "
            "give them with --config)"
        ) from None


def _settings(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    path = Path(text).expanduser()
    try:
        source = path.read_text(encoding="utf-8") if path.suffix in (".yaml", ".yml") else text
    except OSError as err:
        raise PluginError(f"--config {text}: cannot read it ({err.strerror})") from None
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as err:
        raise PluginError(f"--config: not YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PluginError(
            "--config: give the strategy's settings as a mapping, e.g. '{period: 14}'"
        )
    return {str(k): v for k, v in data.items()}
