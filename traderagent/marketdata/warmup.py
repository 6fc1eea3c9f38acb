"""How much history comes before the first traded candle (a constant the backtest and the
venues share, apart from the heavy venue assembly)."""

WARMUP_MS = 3 * 86_400_000
"""History before the first traded candle fed to classifiers and strategies (no trading)."""
