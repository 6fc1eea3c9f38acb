"""B9: start-up times, as whole commands: `traderagent --help` in a fresh interpreter,
`traderagent backtest --fast` on the year, and the first TUI frame.

`backtest --fast`: the B1 grid over the year of 1m candles (`marketdata.year`) imported into a
candle store in a temporary data directory, run as users run it (`--data store:BTCUSDT-1m`,
with everything it prints: metrics, fill-model reruns, regimes, Monte Carlo) with the kernels'
on-disk cache warm (one run first). Gated on the JSON it writes (`--json`) holding the metrics
`run_fast_backtest` computes in this process on the same store. Wall time is the figure; the
CPU seconds of the child are in the row's name (on a loaded machine they say more).

First TUI frame: `traderagent-tui` runs as a child process on a pseudo-terminal (160x48,
TERM=xterm-256color, a fresh empty data directory, the default config: paper trading on the
bundled candles). The clock starts just before the process is spawned and stops when the bytes
read from the terminal, with escape sequences stripped, hold the header title and the bots
pane: that is the first full frame Textual paints (the mode-setting escapes it writes before
are not a frame). Interpreter start, imports, config, database creation and engine assembly
are all inside the figure. The child is then terminated. The fast-kernel first call (the third
B9 figure) is registered by the kernels' own benchmark.

Every command runs as an installed program runs: with Python's bytecode cache (`__pycache__`,
which `make` fills at install and Python at a first run), so `PYTHONDONTWRITEBYTECODE` is
taken out of the children's environment; where it was set, a first untimed run writes the
cache (a process that cannot use one compiles ~170 of the project's modules from source every
time, ~0.1 s of `backtest --fast`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from benchmarks.result import Result, median_of

FRAME_MARKERS = (b"TraderAgent", b"Bots (")
_ESCAPES = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
TUI = "from tui.main import main; raise SystemExit(main())"


def user_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment as a user's shell has it: Python keeps its bytecode cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def timed_command(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `traderagent ARGS` in a fresh interpreter (exit 0)."""
    env = user_env() if env is None else env
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "traderagent", *args], check=True, capture_output=True, env=env
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median_timing(
    args: list[str], env: dict[str, str] | None, repeats: int
) -> tuple[float, float]:
    runs = [timed_command(args, env) for _ in range(repeats)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def cli_cold_start() -> Result:
    """`traderagent --help` in a fresh interpreter, in seconds."""
    timed_command(["--help"])  # writes the bytecode cache if need be
    wall, cpu = _median_timing(["--help"], None, 5)
    name = f"cold start: traderagent --help (CPU {cpu:.2f} s)"
    return Result("B9", name, wall, "s", 0.5, False)


def backtest_fast_command() -> Result:
    """`traderagent backtest --fast` on the year from the candle store, warm kernel cache."""
    from dataclasses import replace

    from benchmarks.backtest import YEAR_CONFIG
    from traderagent.backtest.fast import run_fast_backtest
    from traderagent.config import parse_config
    from traderagent.marketdata.store import CandleStore, StoreKey
    from traderagent.marketdata.year import year_of_candles

    with tempfile.TemporaryDirectory(prefix="ta-b9-") as tmp:
        data = Path(tmp) / "data"
        year = year_of_candles()
        CandleStore(data / "candles").write(StoreKey("LOCAL", "BTCUSDT", 60_000), year)
        config = Path(tmp) / "year.yaml"
        config.write_text(YEAR_CONFIG)
        out = Path(tmp) / "metrics.json"
        env = user_env({"TRADERAGENT_DATA_DIR": str(data)})
        args = ["backtest", "--fast", "--config", str(config), "--data", "store:BTCUSDT-1m"]
        timed_command([*args, "--json", str(out)], env)  # warms the kernel cache if need be
        # (and the decoded copy of the stored candles, `marketdata.decoded`, as a first run does)
        printed = json.loads(out.read_text())
        parsed = parse_config(YEAR_CONFIG, "bench", {})
        stored = str(CandleStore(data / "candles").path(StoreKey("LOCAL", "BTCUSDT", 60_000)))
        replay = parsed.replay.model_copy(update={"data": stored})  # the very file, by path
        expected = run_fast_backtest(parsed.model_copy(update={"replay": replay})).metrics
        wanted = replace(expected, elapsed_s=0).as_json()
        got = {k: printed.get(k) for k in wanted}
        got["elapsed_s"] = 0
        if got != wanted or expected.fills == 0:
            raise AssertionError(f"backtest --fast printed {got}, not {wanted}")
        wall, cpu = _median_timing(args, env, 5)
    name = f"backtest --fast, the year from the store, warm cache (CPU {cpu:.2f} s)"
    return Result("B9", name, wall, "s", 1.0, False)


def first_frame_s(timeout_s: float = 30.0) -> float:
    """Seconds from spawning `traderagent-tui` on a pseudo-terminal to its first frame."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    with tempfile.TemporaryDirectory() as data_dir:
        env = user_env({"TERM": "xterm-256color", "TRADERAGENT_DATA_DIR": data_dir})
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and program
            [sys.executable, "-c", TUI, "--duration", str(timeout_s)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        try:
            return _wait_for_frame(master, started, timeout_s) - started
        finally:
            _stop(child)
            os.close(master)


def _wait_for_frame(master: int, started: float, timeout_s: float) -> float:
    seen = b""
    while time.perf_counter() - started < timeout_s:
        ready, _, _ = select.select([master], [], [], 0.01)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal (it exited)
            chunk = b""
        if not chunk:
            break
        seen += chunk
        text = _ESCAPES.sub(b"", seen)
        if all(marker in text for marker in FRAME_MARKERS):
            return time.perf_counter()
    tail = _ESCAPES.sub(b"", seen)[-400:].decode(errors="replace")
    raise RuntimeError(f"traderagent-tui drew no frame in {timeout_s:.0f} s; it wrote: {tail!r}")


def _stop(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have exited on its own
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def tui_first_frame() -> Result:
    first_frame_s()  # writes the bytecode cache if need be
    return Result("B9", "cold start: first TUI frame", median_of(first_frame_s, 3), "s", 2.0, False)


def results() -> list[Result]:
    return [cli_cold_start(), backtest_fast_command(), tui_first_frame()]
