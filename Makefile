# Everything starts from a bare `python3`: the first target that needs it builds .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNELS := $(VENV)/.kernels-warm
SRC := traderagent strategies storage tui

.PHONY: run test test-fast check fmt lint types contracts bench headless clean warm

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The fast kernels compiled into numba's on-disk cache once, here, so that no command waits
# for numba (~20-90 s); again whenever their sources change (the cache is dropped then). The
# project's bytecode too (an editable install leaves it to the first run of each module).
$(KERNELS): $(STAMP) $(wildcard traderagent/backtest/kernels/*.py)
	$(BIN)/python -m traderagent.backtest.kernels.warm
	$(BIN)/python -m compileall -q $(SRC)
	touch $(KERNELS)

warm: $(KERNELS)  ## compile the fast kernels into numba's cache (make does it for you)

run: $(STAMP)  ## open the TUI on the default config (paper trading on bundled real candles)
	$(BIN)/traderagent-tui

headless: $(STAMP)
	$(BIN)/traderagent run --headless --duration 20

test: $(KERNELS)  ## the whole test suite (slow and soak runs left out: -m slow / -m soak)
	$(BIN)/python -m pytest -q

test-fast: $(KERNELS)  ## the fast lane: unit and contract tests (no TUI, API, integration)
	$(BIN)/python -m pytest -q tests/unit tests/contract

fmt: $(STAMP)
	$(BIN)/ruff format $(SRC) tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff format --check $(SRC) tests benchmarks
	$(BIN)/ruff check $(SRC) tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

check: lint types contracts test

bench: $(KERNELS)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
