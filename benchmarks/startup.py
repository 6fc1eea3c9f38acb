"""B9: start-up times. `traderagent --help` in a fresh interpreter, and the first TUI frame.

First TUI frame: `traderagent-tui` runs as a child process on a pseudo-terminal (160x48,
TERM=xterm-256color, a fresh empty data directory, the default config: paper trading on the
bundled candles). The clock starts just before the process is spawned and stops when the bytes
read from the terminal, with escape sequences stripped, hold the header title and the bots
pane: that is the first full frame Textual paints (the mode-setting escapes it writes before
are not a frame). Interpreter start, imports, config, database creation and engine assembly
are all inside the figure. The child is then terminated. The fast-kernel first call (the third
B9 figure) is registered by the kernels' own benchmark.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

from benchmarks.result import Result, median_of

FRAME_MARKERS = (b"TraderAgent", b"Bots (")
_ESCAPES = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
TUI = "from tui.main import main; raise SystemExit(main())"


def cli_cold_start() -> Result:
    """`traderagent --help` in a fresh interpreter, in seconds."""

    def once() -> float:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "traderagent", "--help"], check=True, capture_output=True
        )
        return time.perf_counter() - started

    return Result("B9", "cold start: traderagent --help", median_of(once), "s", 0.5, False)


def first_frame_s(timeout_s: float = 30.0) -> float:
    """Seconds from spawning `traderagent-tui` on a pseudo-terminal to its first frame."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "TERM": "xterm-256color", "TRADERAGENT_DATA_DIR": data_dir}
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
    return Result("B9", "cold start: first TUI frame", median_of(first_frame_s, 3), "s", 2.0, False)


def results() -> list[Result]:
    return [cli_cold_start(), tui_first_frame()]
