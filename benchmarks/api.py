"""B8: the REST API of a running daemon (PERFORMANCE.md: >= 3,000 req/s `/health`, >= 1,000
req/s `/api/v1/bots`, one uvicorn worker).

The server is the daemon users run: `traderagent run --headless` in a process of its own, on
port 0, with two grid bots paper-trading the bundled candles at the default replay speed
(3600x: a candle every 17 ms, fills, refusals and snapshots going to its SQLite database and
log as they happen). The engine keeps running through the measurement (checked: the daemon must
still be up at the end) and shares its event loop with the API, as it does for users.

The load comes from another process: `wrk` when it is on PATH (one thread, CONNECTIONS
keep-alive connections), else our own generator (`load` below, non-blocking sockets and one
epoll loop, no asyncio). Ours was compared with wrk on the same daemon in the same run
(`python -m benchmarks.api compare`); README "Performance" gives the figures. Every response
is checked, by a Lua hook in wrk and by ours: a 200 carrying the expected body (`"ok"` for
`/health`, the second bot's name for the bots list); a single other answer, a socket error or
a timeout fails the row. Figure: the median of RUNS runs of SECONDS each, after a warm-up.
`B8_LOAD=own` makes the suite use our generator even where wrk is installed.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.result import Result

CONNECTIONS = 32
SECONDS = 3.0
WARMUP_SECONDS = 1.0
RUNS = 3
START_TIMEOUT_S = 60.0
TOKEN = "b8-benchmark-token-0123456789"  # noqa: S105 - a throwaway for this run
DAEMON_CONFIG = """\
mode: paper
replay: {data: bundled, symbol: BTCUSDT, speed: 3600}
paper: {balances: {USDT: "10000"}}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "200"}
  - name: grid-wide
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "18000", upper: "28000", levels: 21, amount_per_level: "100"}
"""
ROUTES = (("/health", 3_000.0, '"ok"'), ("/api/v1/bots", 1_000.0, '"grid-wide"'))

WRK_SCRIPT = """\
-- B8's correctness gate inside wrk: every answer a 200 whose body holds B8_EXPECT.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) good = 0; bad = 0; first_bad = "" end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("B8_TOKEN")
local expect = os.getenv("B8_EXPECT")
function response(status, headers, body)
  if status == 200 and string.find(body, expect, 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 80) end
  end
end
function done(summary, latency, requests)
  local g, b, f = 0, 0, ""
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad")
    if f == "" then f = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format("B8 %d %d %d %d %.6f %s\\n", summary.requests, g, b,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6, f))
end
"""


@dataclass(frozen=True, slots=True)
class Run:
    """One load run: answers checked good, the seconds they took, the generator's CPU seconds."""

    good: int
    seconds: float
    client_cpu_s: float

    @property
    def rate(self) -> float:
        return self.good / self.seconds


# -- the daemon -------------------------------------------------------------------------------


class Daemon:
    """`traderagent run --headless` on port 0 in a fresh data directory, stopped by SIGTERM."""

    def __init__(self, workdir: Path) -> None:
        config = workdir / "b8.yaml"
        config.write_text(DAEMON_CONFIG)
        env = {
            **os.environ,
            "TRADERAGENT_DATA_DIR": str(workdir / "data"),
            "TRADERAGENT_CONFIG_DIR": str(workdir / "config"),
            "TRADERAGENT_API_TOKEN": TOKEN,
        }
        self._stderr = (workdir / "daemon.err").open("wb")
        command = [sys.executable, "-m", "traderagent", "run", "--headless"]
        options = ["--config", str(config), "--db", str(workdir / "b8.db"), "--api-port", "0"]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and program
            [*command, *options],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        self.stderr_path = workdir / "daemon.err"
        self.url = self._wait_for_url()
        self.port = int(self.url.rsplit(":", 1)[1])

    def _wait_for_url(self) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        seen = b""
        ready = selectors.DefaultSelector()
        ready.register(self.process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not ready.select(timeout=0.5):
                continue
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            found = re.search(rb"API listening on (http://[0-9.]+:[0-9]+)", seen)
            if found:
                ready.close()
                return found.group(1).decode()
        ready.close()
        self.stop()
        tail = self.stderr_path.read_text(errors="replace")[-400:]
        raise RuntimeError(f"the daemon did not start its API: {seen[-200:]!r} {tail}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the daemon so far (Linux /proc)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    def assert_running(self) -> None:
        if self.process.poll() is not None:
            tail = self.stderr_path.read_text(errors="replace")[-400:]
            raise RuntimeError(f"the daemon exited ({self.process.returncode}) mid-run: {tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


# -- the load generators (each in a process of its own) ---------------------------------------


def wrk_run(port: int, path: str, seconds: float, expect: str, script: Path) -> Run:
    """One run of wrk (one thread, CONNECTIONS connections) with the checking Lua hook."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    env = {**os.environ, "B8_TOKEN": TOKEN, "B8_EXPECT": expect}
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "10s"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(  # noqa: S603 - wrk found on PATH, our own arguments
        [*command, "-s", str(script), f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=seconds + 60,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("B8 ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no B8 line: {done.stdout[-300:]!r} {done.stderr[-300:]!r}")
    fields = line.split(" ", 6)
    requests, good, bad, errors = (int(x) for x in fields[1:5])
    if bad or errors or good != requests or good == 0:
        first = fields[6] if len(fields) > 6 else ""
        raise AssertionError(
            f"B8 {path}: {good} good of {requests} answers, {bad} wrong, {errors} socket "
            f"errors or timeouts (first wrong: {first!r})"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(good, float(fields[5]), cpu)


def load(port: int, path: str, seconds: float, expect: bytes) -> Run:
    """Our own generator: CONNECTIONS keep-alive connections, one request in flight on each,
    driven by one epoll loop; every answer checked. Requests go out until `seconds` have
    passed; the run ends when the last answer is in. Kept lean (small reads, no regex on the
    common path): its CPU per request is what it could take from the server."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    ).encode()
    cpu_before = time.process_time()
    poll = select.epoll()
    sockets: dict[int, socket.socket] = {}
    buffers: dict[int, bytearray] = {}
    for _ in range(CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        sockets[sock.fileno()] = sock
        buffers[sock.fileno()] = bytearray()
        poll.register(sock.fileno(), select.EPOLLIN)
    started = time.perf_counter()
    until = started + seconds
    for sock in sockets.values():
        sock.sendall(request)
    good = 0
    while sockets:
        events = poll.poll(10)
        if not events:
            raise TimeoutError(f"B8 {path}: no answer in 10 s")
        for fd, _ in events:
            sock = sockets[fd]
            chunk = sock.recv(16384)
            if not chunk:
                raise ConnectionError(f"B8 {path}: the server closed a connection")
            buffer = buffers[fd]
            buffer += chunk
            answered = take_answers(buffer, expect, path)
            if not answered:
                continue
            good += answered
            if time.perf_counter() < until:
                sock.send(request)
            else:
                poll.unregister(fd)
                sock.close()
                del sockets[fd], buffers[fd]
    elapsed = time.perf_counter() - started
    poll.close()
    return Run(good, elapsed, time.process_time() - cpu_before)


_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")


def take_answers(buffer: bytearray, expect: bytes, path: str) -> int:
    """Remove the complete answers at the front of `buffer`, checking each; how many."""
    taken = 0
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return taken
        at = buffer.find(b"\r\ncontent-length: ", 0, end)  # uvicorn's spelling
        if at >= 0:
            stop = buffer.find(b"\r\n", at + 18, end + 2)
            length = int(buffer[at + 18 : stop])
        else:
            found = _LENGTH.search(bytes(buffer[:end]))
            length = int(found.group(1)) if found else 0
        total = end + 4 + length
        if len(buffer) < total:
            return taken
        if not buffer.startswith(b"HTTP/1.1 200 ") or buffer.find(expect, end + 4, total) < 0:
            head, body = bytes(buffer[:40]), bytes(buffer[end + 4 : end + 84])
            raise AssertionError(f"B8 {path}: unexpected answer {head!r} {body!r}")
        del buffer[:total]
        taken += 1


def own_run(port: int, path: str, seconds: float, expect: str) -> Run:
    """One run of our generator in a process of its own."""
    command = [sys.executable, "-m", "benchmarks.api", "load", str(port), path, f"{seconds:g}"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, expect], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AssertionError(f"the load process failed: {last}")
    good, elapsed, cpu = done.stdout.split()
    return Run(int(good), float(elapsed), float(cpu))


def generator() -> str:
    """The load generator this run uses: "wrk" when it is on PATH (unless B8_LOAD=own asks
    for ours), else "own"."""
    if os.environ.get("B8_LOAD") == "own":
        return "own"
    return "wrk" if shutil.which("wrk") else "own"


def one_run(kind: str, port: int, path: str, seconds: float, expect: str, script: Path) -> Run:
    if kind == "wrk":
        return wrk_run(port, path, seconds, expect, script)
    return own_run(port, path, seconds, expect)


# -- the benchmark ----------------------------------------------------------------------------


def results() -> list[Result]:
    kind = generator()
    label = "wrk" if kind == "wrk" else "own load process, not wrk"
    if kind == "own" and shutil.which("wrk") is None:
        print(
            "B8: wrk is not on PATH (apt-get install wrk): the load comes from the suite's own "
            "generator, which reads lower than wrk (README, Performance)",
            file=sys.stderr,
        )
    found: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "b8.lua"
        script.write_text(WRK_SCRIPT)
        daemon = Daemon(Path(tmp))
        try:
            for path, target, expect in ROUTES:
                one_run(kind, daemon.port, path, WARMUP_SECONDS, expect, script)
                runs = [
                    one_run(kind, daemon.port, path, SECONDS, expect, script) for _ in range(RUNS)
                ]
                daemon.assert_running()
                rate = statistics.median(r.rate for r in runs)
                name = f"REST {path}, running daemon, one uvicorn worker ({label})"
                found.append(Result("B8", name, rate, "req/s", target, True))
        finally:
            daemon.stop()
    return found


def compare(rounds: int = 3) -> None:
    """wrk and our generator against the same daemon, alternating: the answers a second each
    measures, and per CPU-second the daemon got (steadier while other work loads the machine).
    """
    if shutil.which("wrk") is None:
        raise SystemExit("compare needs wrk on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "b8.lua"
        script.write_text(WRK_SCRIPT)
        daemon = Daemon(Path(tmp))
        try:
            cpu = daemon.cpu_seconds()
            time.sleep(SECONDS)
            print(f"daemon without load: {(daemon.cpu_seconds() - cpu) / SECONDS:.0%} of a core")
            for path, _, expect in ROUTES:
                one_run("wrk", daemon.port, path, WARMUP_SECONDS, expect, script)
                rates: dict[str, list[float]] = {"wrk": [], "own": []}
                per_cpu: dict[str, list[float]] = {"wrk": [], "own": []}
                for _ in range(rounds):
                    for kind in ("wrk", "own"):
                        cpu = daemon.cpu_seconds()
                        run = one_run(kind, daemon.port, path, SECONDS, expect, script)
                        server = daemon.cpu_seconds() - cpu
                        rates[kind].append(run.rate)
                        per_cpu[kind].append(run.good / server)
                        print(
                            f"{path} {kind}: {run.rate:,.0f} req/s, {run.good / server:,.0f} per "
                            f"daemon CPU-second; generator {run.client_cpu_s / run.seconds:.0%} "
                            f"of a core, daemon {server / run.seconds:.0%}",
                            flush=True,
                        )
                wall = {k: statistics.median(v) for k, v in rates.items()}
                cpu_rate = {k: statistics.median(v) for k, v in per_cpu.items()}
                print(
                    f"{path} medians: wrk {wall['wrk']:,.0f}, own {wall['own']:,.0f} req/s "
                    f"(own/wrk {wall['own'] / wall['wrk']:.2f}); per daemon CPU-second wrk "
                    f"{cpu_rate['wrk']:,.0f}, own {cpu_rate['own']:,.0f} "
                    f"(own/wrk {cpu_rate['own'] / cpu_rate['wrk']:.2f})",
                    flush=True,
                )
            daemon.assert_running()
        finally:
            daemon.stop()


def main(argv: list[str]) -> int:
    if argv[:1] == ["load"]:
        port, path, seconds, expect = int(argv[1]), argv[2], float(argv[3]), argv[4]
        run = load(port, path, seconds, expect.encode())
        print(run.good, run.seconds, run.client_cpu_s)
        return 0
    if argv[:1] == ["compare"]:
        compare(int(argv[1]) if len(argv) > 1 else 3)
        return 0
    for result in results():
        print(json.dumps(result.as_json()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
