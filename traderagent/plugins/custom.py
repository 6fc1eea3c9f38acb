"""`kind: custom`: a bot's strategy from a file, named in its config.

    strategy: {kind: custom, path: strategies_dir/rsi.py:RsiReversion, period: 21}

`CustomConfig` keeps `path` and passes every other key to the plugin's own config model,
validated when the config is (a missing file, a setting the plugin refuses: a config error
naming it). `CUSTOM` is the kind to register beside the built-ins. The path is taken from the
working directory, as every other path of a config.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from strategies.base import Strategy
from traderagent.domain import Instrument
from traderagent.plugins.errors import PluginError
from traderagent.plugins.loader import load_plugin
from traderagent.plugins.spec import StrategyPlugin


class CustomConfig(BaseModel):
    """A strategy of your own from a file: `path` names it, its settings sit beside it."""

    model_config = ConfigDict(frozen=True, extra="allow", use_attribute_docstrings=True)

    kind: Literal["custom"] = "custom"
    """Strategy kind."""
    path: str
    """The strategy class as `file.py:ClassName` (see `traderagent strategy new`)."""

    @model_validator(mode="after")
    def _plugin_accepts_the_settings(self) -> CustomConfig:
        self.settings()  # raises ValueError: pydantic reports it as this config's error
        return self

    def settings(self) -> BaseModel:
        """The plugin's own config, from the keys beside `kind` and `path`."""
        try:
            plugin = load_plugin(self.path)
        except PluginError as err:
            raise ValueError(str(err)) from None
        given: dict[str, Any] = dict(self.model_extra or {})
        try:
            return plugin.config.model_validate({**given, "kind": plugin.kind})
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{plugin.source}: setting {where}: {first['msg']}") from None


def build_custom(config: CustomConfig, instrument: Instrument) -> Strategy:
    """The strategy `config.path` names, built on its settings."""
    plugin = load_plugin(config.path)
    return plugin.build(config.settings(), instrument)


CUSTOM = StrategyPlugin(
    kind="custom",
    config=CustomConfig,
    build=build_custom,
    description="a strategy of your own, from a file (kind: custom, path: file.py:Class)",
    source="traderagent.plugins.custom",
)
"""The `custom` kind as the strategy registry takes it (quiet: False, the safe default; the
engine still asks each strategy for its wake)."""
