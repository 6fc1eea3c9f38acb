"""`RemoteEngine`: the EngineAPI an attached console drives, against a real in-process daemon."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from api_kit import PACED, SHORT, TOKEN, paper_engine, served

from traderagent.api import remote_feed
from traderagent.api.client import RemoteEngine, RemoteError
from traderagent.domain import BotState
from traderagent.domain.events import BotStateChanged, OrderFilled
from traderagent.engine.orchestrator import Engine
from traderagent.facade import CommandError


async def until(condition: object, what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_daemon_and_a_wrong_token_are_clear_errors(tmp_path: Path) -> None:
    nowhere = RemoteEngine(f"http://127.0.0.1:{free_port()}", TOKEN)
    with pytest.raises(RemoteError, match="cannot reach a TraderAgent daemon at http://127"):
        await nowhere.connect()
    await nowhere.close()
    engine = await paper_engine(tmp_path)
    async with served(engine) as url:
        wrong = RemoteEngine(url, "not-the-token-0123456789")
        with pytest.raises(RemoteError, match="refused the token: set TRADERAGENT_API_TOKEN"):
            await wrong.connect()
        await wrong.close()
    await engine.close()


async def test_queries_events_and_commands_reach_the_daemon(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path, PACED)
    bot = engine.bots["grid-btc"]
    async with served(engine) as url:
        remote = RemoteEngine(url, TOKEN)
        await remote.connect()
        stream = remote.events((OrderFilled, BotStateChanged))
        running = asyncio.create_task(engine.run())
        await until(lambda: bot.fills >= 2, "two fills in the daemon")
        await until(lambda: remote.snapshot().bots[0].fills >= 2, "the poll to show them")
        await until(
            lambda: len([e for e in stream.drain() if isinstance(e, OrderFilled)]) > 0,
            "a fill event",
        )

        await remote.pause_bot("grid-btc")
        assert bot.state is BotState.PAUSED
        assert remote.snapshot().bots[0].state is BotState.PAUSED  # refreshed with the answer
        with pytest.raises(CommandError, match="grid-btc is PAUSED: it cannot go to PAUSED"):
            await remote.pause_bot("grid-btc")
        with pytest.raises(CommandError, match="no bot named 'ghost' \\(bots: grid-btc\\)"):
            await remote.resume_bot("ghost")
        await remote.resume_bot("grid-btc")
        assert bot.state is BotState.RUNNING

        assert remote.bot_chart("grid-btc", 60).closes == ()  # asked for: fetched by the poll
        await until(lambda: len(remote.bot_chart("grid-btc", 60).closes) == 60, "the chart")

        assert engine.config is not None
        report = await remote.reload_config(engine.config)
        assert (report.applied, report.refused) == ((), ())
        with pytest.raises(CommandError, match="quitting only detaches"):
            await remote.shutdown(cancel_orders=True)

        await remote.shutdown()
        summary = await asyncio.wait_for(remote.run(), 5)
        assert summary.reason == "detached from the daemon"
        assert engine.running and not running.done()  # the daemon's engine trades on
        await remote.close()
        await engine.shutdown()
        await running
    await engine.close()


async def test_run_returns_when_the_daemons_engine_finishes_or_it_goes_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await paper_engine(tmp_path, SHORT)
    async with served(engine) as url:
        remote = RemoteEngine(url, TOKEN)
        await remote.connect()
        await engine.run()
        summary = await asyncio.wait_for(remote.run(), 10)
        assert summary.reason == "the daemon's engine has finished"
        assert summary.fills == engine.bots["grid-btc"].fills > 0
        await remote.close()
    await engine.close()

    monkeypatch.setattr(remote_feed, "GONE_AFTER_S", 0.3)
    other: Engine = await paper_engine(tmp_path / "other", PACED)
    async with served(other) as url:
        remote = RemoteEngine(url, TOKEN)
        await remote.connect()
    summary = await asyncio.wait_for(remote.run(), 10)  # the server is gone now
    assert summary.reason.startswith("the daemon stopped answering")
    await remote.close()
    await other.close()


async def test_one_failed_poll_after_the_console_stalled_does_not_end_the_session(
    tmp_path: Path,
) -> None:
    """A console stalled past GONE_AFTER_S (a loaded machine) finds its kept-alive connection
    closed once: the next poll answers, and the session goes on (a CI run ended it here)."""
    from dataclasses import replace

    from traderagent.api.remote_feed import RemoteState, poll
    from traderagent.api.wire import SNAPSHOT

    engine = await paper_engine(tmp_path, SHORT)
    first = engine.snapshot()
    await engine.close()
    answers = iter(["stall", "ok", "finished"])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "stall":
            raise httpx.ReadError("connection closed while the console was stalled")
        snapshot = first if answer == "ok" else replace(first, finished=True)
        return httpx.Response(200, content=SNAPSHOT.dump_json(snapshot))

    state = RemoteState(first)
    state.last_answer -= 60  # the console itself did not run for a minute
    endings: list[str] = []
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="http://daemon"
    ) as http:
        await asyncio.wait_for(poll(http, state, endings.append, 0.01), 10)
    assert endings == ["the daemon's engine has finished"]  # not "stopped answering"
