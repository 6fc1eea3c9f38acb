"""What the program knows of one strategy kind: its config model, how to build it, and which
fast kernel (if any) reproduces it. Each strategy package declares one `StrategyKind`;
`strategies.registry` holds them by `kind`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from strategies.base import Strategy
from traderagent.domain import Instrument

Builder = Callable[[Any, Instrument], Strategy]
"""Builds the strategy from its (validated) config on an instrument; raises StrategyError."""


@dataclass(frozen=True, slots=True)
class StrategyKind:
    """One registered strategy kind (built-in or, later, a user's plugin)."""

    kind: str
    """The `kind:` tag a config names it by (the config model's `kind` literal)."""
    config: type[BaseModel]
    """The pydantic model of its settings: frozen, extra="forbid", a `kind` Literal field."""
    build: Builder
    description: str
    """One line for help texts and listings."""
    kernel: str | None = None
    """The fast kernel (`traderagent.backtest.kernels`) that reproduces it fill for fill, by
    name; None: only the engine runs it (`--fast` and the optimizer's kernel lane refuse it)."""
    quiet: bool = False
    """It tells its wake condition (`strategies.base.WakeAware`), so a replay may skip the
    candles it cannot act on; False: it is shown every candle (the safe default)."""
