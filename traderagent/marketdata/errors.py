"""The one error type of the market data layer."""

from __future__ import annotations

from pathlib import Path


class MarketDataError(Exception):
    """Candle data that cannot be loaded or used: names the source (if any) and the problem."""

    def __init__(self, problem: str, source: str | Path | None = None) -> None:
        self.problem = problem
        self.source = None if source is None else str(source)
        super().__init__(problem if source is None else f"{Path(source).name}: {problem}")
