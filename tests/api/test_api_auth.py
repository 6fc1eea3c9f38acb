"""The bearer token: every route but the health check needs it; where it is kept and how."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from api_kit import TOKEN, api_client, paper_engine, served
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from traderagent.api import token as api_token
from traderagent.cli import main

OPEN_PATHS = {"/health", "/api/v1/health"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "grid-btc", path)


async def test_every_route_but_health_refuses_a_missing_or_wrong_token(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    for token in (None, "wrong-token-0123456789"):
        async with api_client(engine, token=token) as (app, client):
            secured = [
                (method.upper(), path)
                for path, operations in app.openapi()["paths"].items()
                for method in operations
                if path not in OPEN_PATHS
            ]
            assert len(secured) >= 20  # bots, commands, account views, control, backtests, metrics
            for method, path in secured:
                response = await client.request(method, concrete(path))
                assert response.status_code == 401, (method, path)
                assert response.headers["www-authenticate"] == "Bearer"
                assert "api-token" in response.json()["detail"]
            for path in ("/health", "/api/v1/health"):
                health = await client.get(path)
                assert health.status_code == 200
                assert health.json()["status"] == "ok"
    assert engine.bots["grid-btc"].state.value == "STOPPED"  # nothing got through
    await engine.close()


async def test_the_right_token_is_accepted_and_a_basic_scheme_is_not(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    async with api_client(engine) as (_, client):
        assert (await client.get("/api/v1/bots")).status_code == 200
        basic = {"Authorization": f"Basic {TOKEN}"}
        assert (await client.get("/api/v1/bots", headers=basic)).status_code == 401
        accented = {"Authorization": "Bearer jeton-ünïcode".encode()}
        assert (await client.get("/api/v1/bots", headers=accented)).status_code == 401
    await engine.close()


async def test_the_stream_refuses_a_client_without_the_token(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    async with served(engine) as url:
        ws = url.replace("http", "ws") + "/api/v1/stream"
        for target in (ws, ws + "?token=wrong-token-0123456789"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(target):
                    pass
            assert refused.value.response.status_code == 403
        async with connect(ws + f"?token={TOKEN}") as accepted:
            assert accepted.state.name == "OPEN"
        header = {"Authorization": f"Bearer {TOKEN}"}
        async with connect(ws, additional_headers=header) as accepted:
            assert accepted.state.name == "OPEN"
    await engine.close()


def test_the_daemon_creates_the_token_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADERAGENT_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv(api_token.TOKEN_ENV, raising=False)
    token, created = api_token.daemon_token()
    assert created and len(token) >= 40
    path = tmp_path / "cfg" / "api.token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert api_token.daemon_token() == (token, False)
    path.chmod(0o644)
    assert api_token.stored_token() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a too-open file is tightened


def test_environment_token_comes_first_and_must_not_be_trivial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADERAGENT_CONFIG_DIR", str(tmp_path / "cfg"))
    stored = api_token.write_token()
    monkeypatch.setenv(api_token.TOKEN_ENV, "from-the-environment-123")
    assert api_token.daemon_token() == ("from-the-environment-123", False)
    assert api_token.client_token(None) == "from-the-environment-123"
    assert api_token.client_token(" given ") == "given"
    monkeypatch.delenv(api_token.TOKEN_ENV)
    assert api_token.client_token(None) == stored
    monkeypatch.setenv(api_token.TOKEN_ENV, "short")
    with pytest.raises(api_token.TokenError, match="too short"):
        api_token.daemon_token()


def test_api_token_prints_the_token_a_daemon_with_this_environment_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRADERAGENT_CONFIG_DIR", str(tmp_path / "cfg"))
    api_token.write_token()
    monkeypatch.setenv(api_token.TOKEN_ENV, "from-the-environment-123")
    assert main(["api-token"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == api_token.daemon_token()[0] == "from-the-environment-123"
    assert api_token.TOKEN_ENV in err and "from-the-environment-123" not in err
    monkeypatch.setenv(api_token.TOKEN_ENV, "short")
    assert main(["api-token"]) == 1
    assert "too short" in capsys.readouterr().err
