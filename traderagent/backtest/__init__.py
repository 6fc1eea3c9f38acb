"""Backtests: the live engine on a ReplayClock and the paper exchange, in memory.

The seam other parts call (the CLI, the TUI, the optimizer, the API):

- `runner.run_backtest(config, *, bot, candles, start, end, fill_model, progress, cancelled)`
  (async) and `runner.run_backtest_sync(...)` (worker processes) return a
  `runner.BacktestResult`: the fills, the per-candle `equity.EquityCurve`, the replayed
  candles and `metrics`, a `metrics.Metrics` computed once by `metrics.compute_metrics`
  (`Metrics.as_json()` is the JSON object of `traderagent backtest --json`). Pass `candles`
  to load data once for many runs. Input the caller must change raises
  `inputs.BacktestError`.
- `fast.run_fast_backtest(...)`: the same result from the numba kernels (grid, DCA).
- `memory_journal.MemoryJournal`: the engine's TradeJournal held in dicts and lists.
- `report.metrics_table` and `plots` render a result as text; `preset.export_preset` writes a
  bot, with parameter overrides, as a config file that `traderagent run` and `backtest` accept.

Importing this package imports nothing else, so `traderagent --help` stays fast.
"""
