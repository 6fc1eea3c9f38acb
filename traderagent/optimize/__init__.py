"""Parameter optimisation, walk-forward analysis, the clusterizer and the look-ahead check.

- `space_file.load_space` reads a search-space YAML file checked against a strategy's config
  model; `space.SearchSpace` holds its ranges.
- `run.run_search(setup, plan)` searches it (`grid_search`: coarse-to-fine; `optuna_search`:
  TPE or NSGA-II, optionally on a shared `study_storage`), evaluating points with
  `evaluation.TrialEvaluator` (the fast kernel where it applies, else the engine; the metrics
  of `traderagent.backtest.metrics` either way) in this process or in `pool.ProcessPool`.
- `walkforward.run_walkforward` rolls train/test windows over the data.
- `cluster_features`, `kmeans` and `clusters` group symbols and derive starting presets.
- `lookahead.check_lookahead` compares a bot's decisions on the full and on truncated data.

Importing this package imports nothing else (the CLI stays fast).
"""
