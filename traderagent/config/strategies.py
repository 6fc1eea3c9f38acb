"""The strategy settings a bot (or a route of the regime router) may name, by `kind`.

The union is built from `strategies.registry` when this module is first imported: every
registered kind (built-ins, `custom` and installed plugins) is accepted under its tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from strategies.registry import entries, kinds
from traderagent.plugins.registration import register_plugins

register_plugins()  # user strategies join the registry before the union below is built

if TYPE_CHECKING:
    from strategies.dca.config import DcaConfig
    from strategies.grid.config import GridConfig
    from strategies.trend.config import TrendConfig

    StrategyConfig = GridConfig | DcaConfig | TrendConfig
else:
    StrategyConfig = Annotated[
        Union[tuple(entry.config for entry in entries())],  # noqa: UP007 - built at run time
        Field(discriminator="kind"),
    ]
"""One strategy's settings, chosen by its `kind` (type-checked as the built-ins' union)."""
STRATEGY_KINDS = kinds()
"""The `kind` tags of StrategyConfig (pydantic puts the tag in error locations)."""
