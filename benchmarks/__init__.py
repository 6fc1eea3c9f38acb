"""The performance suite (PERFORMANCE.md). Run with `make bench` or `python -m benchmarks`."""
