"""Secrets stay off the command line and out of every message: `--db` takes a URL as a URL and
refuses one carrying a password (masked in the message), and the attached console's token
comes from the environment or the token file, `--token` only with a warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG, write_config

import tui.attached as attached_module
from storage.urls import masked
from tui.main import main as tui_main

PASSWORD = "pa55-Secret-word"  # noqa: S105 - a test value that must never be shown


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TRADERAGENT_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "traderagent", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "TRADERAGENT_DATA_DIR": str(cwd / "data")},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+asyncpg://trader:{PASSWORD}@127.0.0.1:1/ta",
        f"postgresql://trader:{PASSWORD}@127.0.0.1:1/ta?ssl=require",
        f"sqlite://trader:{PASSWORD}@/x.db",
    ],
)
def test_run_refuses_a_password_in_db_and_never_shows_it(tmp_path: Path, url: str) -> None:
    config = write_config(tmp_path)
    result = run(
        "run", "--headless", "--no-api", "--config", str(config), "--db", url, cwd=tmp_path
    )
    assert result.returncode == 2
    assert PASSWORD not in result.stdout + result.stderr
    assert "storage.database_url" in result.stderr
    assert "TRADERAGENT_DATABASE_URL" in result.stderr
    assert "://trader:***@" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]  # no folder, no file


def test_run_takes_a_db_url_as_a_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, SMALL_CONFIG)
    db = tmp_path / "by-url.db"
    result = run(
        "run",
        "--headless",
        "--no-api",
        "--config",
        str(config),
        "--db",
        f"sqlite:///{db}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    assert not (tmp_path / "sqlite:").exists()


def test_an_unparseable_url_is_masked_too() -> None:
    assert masked(f"postgresql://u:{PASSWORD}@h:notaport/db") == "postgresql://u:***@h:notaport/db"
    assert masked("postgresql://u@h/db") == "postgresql://u@h/db"
    assert masked("/plain/path.db") == "/plain/path.db"


@pytest.mark.parametrize("given", [None, "attach-test-token-0123456789"])
def test_the_console_token_comes_from_the_environment_and_given_warns(
    given: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[str | None] = []

    async def fake_attach(url: str, token: str | None, duration: float | None) -> int:
        calls.append(token)
        return 0

    monkeypatch.setattr(attached_module, "run_attached", fake_attach)
    argv = ["--connect", "127.0.0.1:8080"] + (["--token", given] if given else [])
    assert tui_main(argv) == 0
    assert calls == [given]  # None: run_attached reads TRADERAGENT_API_TOKEN or the file
    err = capsys.readouterr().err
    if given is None:
        assert err == ""
    else:
        assert "warning: --token puts the API token where every user" in err
        assert "TRADERAGENT_API_TOKEN" in err
        assert given not in err
