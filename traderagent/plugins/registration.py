"""The user kinds for `strategies.registry`: `custom` (a file named in the config) and every
kind installed packages offer (entry points of `traderagent.strategies`), as `StrategyKind`s.

The registry's `load_plugins` hook registers them before the config models are built:

    from traderagent.plugins.registration import plugin_kinds
    for entry in plugin_kinds():
        register(entry)

A plugin has no fast kernel (`--fast` and the optimizer's kernel lane refuse it; the engine
runs it). A broken installed plugin is a PluginError naming it.
"""

from __future__ import annotations

from strategies.kinds import StrategyKind
from traderagent.plugins.custom import CUSTOM
from traderagent.plugins.loader import entry_point_plugins
from traderagent.plugins.spec import StrategyPlugin


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
