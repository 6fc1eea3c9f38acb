"""The command line used carelessly: `--help` on any command, `--json -`, output piped into a
reader that stops early, and a backtest stopped with Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import traderagent.backtest.progress
import traderagent.backtest.runner
from traderagent.cli import build_parser, main


def subcommands(
    parser: argparse.ArgumentParser, prefix: str = "traderagent"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += [(f"{prefix} {name}", sub), *subcommands(sub, f"{prefix} {name}")]
    return found


def test_every_subcommand_says_what_it_does_in_its_help() -> None:
    commands = subcommands(build_parser())
    assert len(commands) > 20
    for name, parser in commands:
        assert parser.description, f"`{name} --help` has no description"
        assert " ".join(parser.description.split()) in " ".join(parser.format_help().split())


def test_json_dash_writes_the_json_alone_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regime", "--data", "bundled", "--json", "-"]) == 0
    captured = capsys.readouterr()
    timeline = json.loads(captured.out)  # nothing else on stdout
    assert timeline and {"start", "end", "regime"} <= set(timeline[0])
    assert "BTCUSDT regimes" in captured.err  # the table went aside


def test_a_reader_that_closes_early_ends_the_command_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path)}
    with subprocess.Popen(
        [sys.executable, "-m", "traderagent", "regime", "--data", "bundled"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # `| head -0`: nobody reads
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_backtest_stopped_with_ctrl_c_says_so_in_its_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class CtrlC:
        """The progress bar, pressing Ctrl-C at the first progress report."""

        def __init__(self, *_: object) -> None:
            self.pressed = False

        def __call__(self, share: float) -> None:
            if not self.pressed:
                self.pressed = True
                os.kill(os.getpid(), signal.SIGINT)

        def close(self) -> None:
            pass

    monkeypatch.setattr(traderagent.backtest.progress, "ProgressBar", CtrlC)
    monkeypatch.setattr(traderagent.backtest.runner, "PROGRESS_EVERY_S", 0.0)  # at once
    out = tmp_path / "metrics.json"
    args = ["backtest", "--config", "configs/default.yaml", "--data", "bundled"]
    assert main([*args, "--json", str(out)]) == 130
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["cancelled"] is True
    assert data["candles"] < 21 * 1440
    capsys.readouterr()
    whole = ["--start", "2023-03-06", "--end", "2023-03-07", "--json", str(out)]
    monkeypatch.undo()
    assert main([*args, *whole]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["cancelled"] is False
