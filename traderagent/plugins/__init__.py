"""User strategies (issue 20): load a strategy class from a file or an installed package's
entry point as a `StrategyPlugin`, and check it against the strategy contract (`check`)."""

from traderagent.plugins.errors import PluginError
from traderagent.plugins.loader import (
    ENTRY_POINT_GROUP,
    entry_point_plugins,
    load_plugin,
    load_strategy_class,
)
from traderagent.plugins.spec import StrategyPlugin, plugin_of

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginError",
    "StrategyPlugin",
    "entry_point_plugins",
    "load_plugin",
    "load_strategy_class",
    "plugin_of",
]
