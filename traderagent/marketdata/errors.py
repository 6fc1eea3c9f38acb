"""The one error type of the market data layer."""

from __future__ import annotations

from pathlib import Path


class MarketDataError(Exception):
    """Candle data that cannot be loaded or used: names the source (if any) and the problem."""

    def __init__(self, problem: str, source: str | Path | None = None) -> None:
        self.problem = " ".join(problem.split())  # one line, whatever a parser said
        self.source = None if source is None else str(source)
        shown = self.problem
        super().__init__(shown if source is None else f"{Path(source).name}: {shown}")
