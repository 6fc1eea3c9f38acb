"""The user kinds for `strategies.registry`: `custom` (a file named in the config) and every
kind installed packages offer (entry points of `traderagent.strategies`), as `StrategyKind`s.

`register_plugins` adds them to the registry; the config calls it before it builds its models
(`traderagent.config.strategies`), so every command that reads a config knows them.

A plugin has no fast kernel (`--fast` and the optimizer's kernel lane refuse it; the engine
runs it). A broken installed plugin is a PluginError naming it.
"""

from __future__ import annotations

import logging

from strategies import registry
from strategies.kinds import StrategyKind
from traderagent.plugins.custom import CUSTOM
from traderagent.plugins.errors import PluginError
from traderagent.plugins.loader import entry_point_plugins
from traderagent.plugins.spec import StrategyPlugin

log = logging.getLogger("traderagent.plugins")


def register_plugins() -> str | None:
    """Register `custom` and every installed plugin's kind that is not registered yet. A broken
    installed plugin registers none of them but `custom`: the problem is logged as one warning
    line and returned (a config naming its kind then fails as an unknown kind)."""
    problem: str | None = None
    try:
        found = plugin_kinds()
    except PluginError as err:
        log.warning("strategy plugins not loaded: %s", err)
        found, problem = [as_kind(CUSTOM)], str(err)
    for entry in found:
        if entry.kind not in registry.kinds():
            registry.register(entry)
    return problem


def plugin_kinds() -> list[StrategyKind]:
    """`custom`, then the installed plugins' kinds (in entry-point order)."""
    return [as_kind(plugin) for plugin in (CUSTOM, *entry_point_plugins().values())]


def as_kind(plugin: StrategyPlugin) -> StrategyKind:
    """The registry's entry for `plugin` (no kernel: only the engine runs it)."""
    return StrategyKind(
        plugin.kind,
        plugin.config,
        plugin.build,
        plugin.description,
        kernel=None,
        quiet=plugin.quiet,
    )
