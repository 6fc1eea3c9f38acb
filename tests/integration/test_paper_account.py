"""Each config's own paper account: a replay that has ended says FINISHED (and how to start
again) on every later start, `paper reset` gives a fresh account, two configs never share
one; the headless run logs what happens to stderr and its log file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG, write_config

from traderagent.config import load_config
from traderagent.domain import BotState
from traderagent.facade import CommandError
from traderagent.wiring.runtime import build_engine

SHORT = SMALL_CONFIG.replace('end: "2023-03-02T00:00:00Z"', 'end: "2023-03-01T06:00:00Z"')


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(  # noqa: S603 - our own program
        [sys.executable, "-m", "traderagent", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def headless(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, "run", "--headless", "--no-api", "--config", str(config), *args)


async def test_a_replay_that_ended_starts_finished_and_refuses_a_start(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, SHORT))
    db = tmp_path / "paper.db"
    first = await build_engine(config, db)
    try:
        summary = await first.engine.run()
    finally:
        await first.engine.close()
    assert summary.fills > 0
    assert [b.state for b in first.engine.bots.values()] == [BotState.FINISHED]

    again = await build_engine(config, db)
    try:
        await again.engine.run()
        bot = again.engine.bots["grid-btc"]
        assert bot.state is BotState.FINISHED  # not stuck in STARTING
        assert "paper account" in bot.state_reason
        assert again.engine.candles == 0
        with pytest.raises(CommandError, match="paper reset"):
            await again.engine.start_bot("grid-btc")
    finally:
        await again.engine.close()


async def test_a_run_stopped_before_the_end_is_not_finished(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, SHORT))
    built = await build_engine(config, tmp_path / "paper.db")
    try:
        await built.engine.shutdown()
        await built.engine.run()
    finally:
        await built.engine.close()
    assert built.engine.finish_reason == "shutdown requested"
    assert built.engine.bots["grid-btc"].state is BotState.STARTING


def test_reset_gives_a_fresh_account_and_keeps_the_old_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, SHORT, "grid.yaml")
    first = headless(tmp_path, config)
    assert first.returncode == 0, first.stderr
    assert "grid-btc             FINISHED" in first.stdout
    assert "paper reset" in first.stdout

    ended = headless(tmp_path, config)
    assert ended.returncode == 0, ended.stderr
    assert "grid-btc             FINISHED" in ended.stdout
    assert "The replay has ended: to start again, reset the paper account" in ended.stdout
    assert "period         no candle in this run" in ended.stdout

    unconfirmed = run_cli(tmp_path, "paper", "reset", "--config", str(config))
    assert unconfirmed.returncode == 2
    assert "pass --yes" in unconfirmed.stderr
    assert (tmp_path / "data" / "grid.db").exists()

    reset = run_cli(tmp_path, "paper", "reset", "--config", str(config), "--yes")
    assert reset.returncode == 0, reset.stderr
    assert not (tmp_path / "data" / "grid.db").exists()
    kept = list((tmp_path / "data").glob("grid.db.reset-*"))
    assert len(kept) == 1 and kept[0].name.endswith("Z")

    fresh = headless(tmp_path, config)
    assert fresh.returncode == 0, fresh.stderr
    assert "no candle in this run" not in fresh.stdout
    assert "grid-btc             FINISHED" in fresh.stdout


def test_two_configs_do_not_share_an_account(tmp_path: Path) -> None:
    one = write_config(tmp_path, SHORT, "one.yaml")
    two = write_config(tmp_path, SHORT, "two.yaml")
    assert headless(tmp_path, one).returncode == 0
    other = headless(tmp_path, two)
    assert other.returncode == 0, other.stderr
    assert "no candle in this run" not in other.stdout  # its own replay, from the start
    assert (tmp_path / "data" / "one.db").exists() and (tmp_path / "data" / "two.db").exists()


def test_reset_of_a_bybit_config_or_a_bad_one_says_why(tmp_path: Path) -> None:
    bad = write_config(tmp_path, SHORT.replace("levels: 21", "levels: 1"), "bad.yaml")
    result = run_cli(tmp_path, "paper", "reset", "--config", str(bad), "--yes")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    missing = run_cli(tmp_path, "paper", "reset", "--config", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")


def test_headless_logs_fills_and_states_to_stderr_and_its_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, SHORT, "logged.yaml")
    result = headless(tmp_path, config, "--log-level", "info")
    assert result.returncode == 0, result.stderr
    log_file = tmp_path / "data" / "logs" / "logged.log"
    assert f"log {log_file}" in result.stdout.splitlines()[0]
    assert "alembic" not in result.stderr  # other libraries: warnings only, unless debug
    text = log_file.read_text(encoding="utf-8")
    for logged in (result.stderr, text):
        assert " engine [grid-btc] fill buy " in logged
        assert "RUNNING -> FINISHED" in logged
        assert "engine finished: end of replay data" in logged
    quiet = headless(tmp_path, config, "--log-level", "warning", "--log-format", "json")
    assert quiet.returncode == 0 and quiet.stderr == ""
