"""The API under abuse: huge bodies, half-open connections, echoed input, paths off the data
directory, log floods. A real uvicorn on a loopback port, driven through raw sockets."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import httpx
import pytest
from api_kit import AUTH, TOKEN, InstantBacktests, api_client, config_of, paper_engine
from kit.factories import SMALL_CONFIG
from kit.waits import wait_until

from traderagent.api.app import create_app
from traderagent.api.connections import ConnectionLimits
from traderagent.api.log_flood import RateLimitFilter
from traderagent.api.server import ApiServer

BOUND_S = 20.0


async def raw_exchange(port: int, request: bytes) -> bytes:
    """Send `request`, read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), BOUND_S)
    finally:
        writer.close()


async def closed_unanswered(reader: asyncio.StreamReader) -> bool:
    """The server closed the connection without an answer (a reset: it had unread bytes)."""
    try:
        return await asyncio.wait_for(reader.read(100), BOUND_S) == b""
    except ConnectionResetError:
        return True


async def test_a_body_over_the_limit_is_413_before_it_is_read(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    server = ApiServer(create_app(engine, TOKEN, max_body_bytes=1000), "127.0.0.1", 0)
    await server.start()
    try:
        declared = (
            b"POST /api/v1/halt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + TOKEN.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
            + b"{" * 100
        )
        answer = await raw_exchange(server.port, declared)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert b"at most 1000 bytes" in answer
        chunk = b'{"reason": "' + b"x" * 600 + b'"}'
        streamed = (
            b"POST /api/v1/halt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + TOKEN.encode()
            + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * 3
        )
        answer = await raw_exchange(server.port, streamed)  # read() returns: it was closed
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert "halted" not in str(engine.snapshot().bots[0].state).lower()
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
            small = await client.post("/api/v1/halt/ack", json={})
            assert small.status_code == 409  # a body under the limit is read as before
    finally:
        await server.stop()
        await engine.close()


async def test_a_422_does_not_echo_the_body(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    marker = "ECHO-" * 200
    async with api_client(engine) as (_, client):
        answer = await client.post("/api/v1/halt", json={"bot": [marker], "reason": {"x": marker}})
        assert answer.status_code == 422
        assert "ECHO-" not in answer.text
        assert answer.json()["detail"][0]["loc"][0] == "body"
    await engine.close()


async def test_half_open_connections_neither_pile_up_nor_starve_health(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    limits = ConnectionLimits(max_connections=20, header_timeout_s=1.0)
    server = ApiServer(create_app(engine, TOKEN), "127.0.0.1", 0, limits=limits)
    await server.start()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for _ in range(60):  # three times the limit, each stuck halfway through its headers
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            idle.append((reader, writer))
        async with httpx.AsyncClient(base_url=server.url, timeout=BOUND_S) as client:
            assert (await client.get("/health")).status_code == 200
        await wait_until(lambda: limits.evicted >= 40, BOUND_S, "room made for new connections")
        await wait_until(lambda: not limits.waiting, BOUND_S, "the idle connections closed")
        assert limits.timed_out >= 1
        for reader, _ in idle:
            assert await closed_unanswered(reader)
    finally:
        for _, writer in idle:
            writer.close()
        await server.stop()
        await engine.close()


async def test_a_backtest_sent_over_the_api_reads_only_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(data))
    private = tmp_path / "private.csv"
    private.write_text("host-secret-first-line,b\n1,2\n")
    inside = data / "candles.csv"
    inside.write_text("also-first-line,b\n1,2\n")
    engine = await paper_engine(tmp_path)
    async with api_client(engine, backtests=InstantBacktests()) as (_, client):
        for path in (private, data / ".." / "private.csv", "private.csv"):
            config = config_of(SMALL_CONFIG.replace("data: bundled", f"data: {path}"))
            answer = await client.post(
                "/api/v1/backtests", json={"config": config.model_dump(mode="json")}
            )
            assert answer.status_code == 422
            assert "outside the data directory" in answer.text
            assert "host-secret" not in answer.text
        config = config_of(SMALL_CONFIG.replace("data: bundled", f"data: {inside}"))
        answer = await client.post(
            "/api/v1/backtests", json={"config": config.model_dump(mode="json")}
        )
        assert answer.status_code == 422 and "also-first-line" in answer.text  # it was read
    await engine.close()


def test_a_repeated_log_line_is_counted_not_written_each_time() -> None:
    now = [0.0]
    limit = RateLimitFilter(burst=3, window_s=60.0, clock=lambda: now[0])

    def record(text: str = "Invalid HTTP request received.") -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.WARNING, "", 0, text, None, None)

    written = [r for r in (record() for _ in range(1000)) if limit.filter(r)]
    assert len(written) == 3 and limit.suppressed == 997
    assert limit.filter(record("another message"))
    now[0] = 61.0
    later = record()
    assert limit.filter(later)
    assert "997 more like it were not logged" in later.getMessage()


def test_a_connection_flood_under_a_low_file_limit_leaves_health_answering(
    tmp_path: Path,
) -> None:
    """The daemon under `ulimit -n 256`, sent 400 half-open connections at once: it neither
    runs out of file descriptors nor stops answering /health, and its log stays short."""
    import resource
    import subprocess
    import sys

    from api_kit import PACED
    from kit.factories import write_config
    from test_api_daemon import daemon_env, read_until_listening, stop

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    path = write_config(tmp_path, PACED)
    command = [sys.executable, "-m", "traderagent", "run", "--headless", "--config", str(path)]
    command += ["--db", str(tmp_path / "daemon.db"), "--api-port", "0"]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=daemon_env(tmp_path),
        preexec_fn=low_limit,  # noqa: PLW1509 - only setrlimit, before exec
    ) as proc:
        try:
            url = read_until_listening(proc)[-1].split()[3]
            host, port = url.removeprefix("http://").split(":")
            flood = []
            for _ in range(400):
                sock = socket.create_connection((host, int(port)))
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                flood.append(sock)
            answer = httpx.get(f"{url}/health", timeout=BOUND_S)
            assert answer.status_code == 200
            for sock in flood:
                sock.close()
            _, err = stop(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert "Too many open files" not in err
    assert err.count("API connection closed") <= 10  # rate-limited, not one line per socket
