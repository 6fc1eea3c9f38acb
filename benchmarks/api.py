"""B8: the daemon's REST API on one uvicorn worker (PERFORMANCE.md: >= 3,000 req/s `/health`,
>= 1,000 req/s `/api/v1/bots`).

The server is `traderagent.api` exactly as the daemon serves it (`ApiServer`: one uvicorn
worker, the engine's event loop, access log off), in a subprocess of its own, over a real paper
engine that has replayed a day (so the bots list is a real one) and then idles. The load comes
from a second process: a keep-alive HTTP/1.1 client on raw asyncio sockets with CONNECTIONS
connections. A raw client rather than httpx because the two processes share the machine's two
cores: httpx costs several times the server's own work per request and would measure itself.
Every response must be a 200 with the expected body (a correctness gate), else the run fails.
Figures: median of RUNS runs of SECONDS each, after a warm-up.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.result import Result

CONNECTIONS = 32
SECONDS = 3.0
WARMUP_SECONDS = 0.5
RUNS = 3
TOKEN = "b8-benchmark-token-0123456789"  # noqa: S105 - a throwaway for this run
ENGINE_CONFIG = """\
replay: {data: bundled, speed: max, end: "2023-03-02T00:00:00Z"}
bots:
  - name: grid-btc
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "200"}
  - name: grid-wide
    strategy: {kind: grid, lower: "18000", upper: "28000", levels: 21, amount_per_level: "100"}
"""


# -- the server process -----------------------------------------------------------------------


async def serve(db: Path) -> None:
    """Replay a day, then serve the API over the idle engine until stdin closes."""
    from traderagent.api.app import create_app
    from traderagent.api.server import ApiServer
    from traderagent.config import parse_config
    from traderagent.runtime import build_engine

    built = await build_engine(parse_config(ENGINE_CONFIG, "b8", {}), db)
    await built.engine.run()
    server = ApiServer(create_app(built.engine, TOKEN), "127.0.0.1", 0)
    url = await server.start()
    print(url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()
    await built.engine.close()


# -- the load process -------------------------------------------------------------------------


async def _connection(port: int, request: bytes, until: float, expect: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.perf_counter() < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200 ") or expect not in body:
                raise AssertionError(f"unexpected answer: {head[:40]!r} {body[:80]!r}")
            done += 1
    finally:
        writer.close()
    return done


async def load(port: int, path: str, seconds: float, expect: bytes) -> tuple[int, float]:
    """(requests answered, seconds taken) by CONNECTIONS keep-alive connections."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    until = started + seconds
    counts = await asyncio.gather(
        *(_connection(port, request, until, expect) for _ in range(CONNECTIONS))
    )
    return sum(counts), time.perf_counter() - started


# -- the benchmark ----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load_process(
    server: int, port: int, path: str, seconds: float, expect: str
) -> tuple[float, float | None]:
    """(requests a second, requests per server CPU-second) of one run from a load process."""
    command = [sys.executable, "-m", "benchmarks.api", "load", str(port), path, str(seconds)]
    cpu_before = _cpu_seconds(server)
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, expect], capture_output=True, text=True, check=True, timeout=120
    )
    cpu_after = _cpu_seconds(server)
    count, elapsed = (float(x) for x in done.stdout.split())
    used = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else 0.0
    return count / elapsed, count / used if used > 0 else None


def results() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "benchmarks.api", "serve", str(Path(tmp) / "b8.db")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline().strip().rsplit(":", 1)[1])
            found: list[Result] = []
            for path, target in (("/health", 3_000), ("/api/v1/bots", 1_000)):
                found.extend(_measure(server.pid, port, path, target))
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=30)
    return found


def _measure(server: int, port: int, path: str, target: float) -> list[Result]:
    expect = '"grid-wide"' if path.endswith("bots") else '"ok"'
    _load_process(server, port, path, WARMUP_SECONDS, expect)
    runs = [_load_process(server, port, path, SECONDS, expect) for _ in range(RUNS)]
    rate = statistics.median(r for r, _ in runs)
    found = [Result("B8", f"REST {path}, one uvicorn worker", rate, "req/s", target, True)]
    capacities = [c for _, c in runs if c is not None]
    if capacities:  # what the worker serves per second of CPU it gets: steadier on a busy box
        capacity = statistics.median(capacities)
        name = f"REST {path} per server CPU-second"
        found.append(Result("B8", name, capacity, "req/CPU-s", target, True))
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        asyncio.run(serve(Path(argv[1])))
        return 0
    if argv[:1] == ["load"]:
        port, path, seconds, expect = int(argv[1]), argv[2], float(argv[3]), argv[4]
        count, elapsed = asyncio.run(load(port, path, seconds, expect.encode()))
        print(count, elapsed)
        return 0
    for result in results():
        print(json.dumps(result.as_json()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
