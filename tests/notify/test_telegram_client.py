"""The token (where it comes from, where it never goes) and the Bot API client's error mapping."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from traderagent.config.service import TelegramConfig
from traderagent.notify import TelegramSetupError, telegram_token
from traderagent.notify.botapi import (
    BotApi,
    TelegramAuthError,
    TelegramError,
    TelegramRateLimited,
    TelegramRefused,
)
from traderagent.notify.redact import REDACTED, TokenRedactor, redact
from traderagent.notify.retry import Backoff, retrying

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CONFIG = TelegramConfig(enabled=True, chat_ids=(1,), token_env="TA_TEST_TG_TOKEN")


def test_the_token_comes_from_the_named_variable() -> None:
    assert telegram_token(CONFIG, {"TA_TEST_TG_TOKEN": f" {TOKEN}\n"}) == TOKEN
    with pytest.raises(TelegramSetupError, match="TA_TEST_TG_TOKEN is not set: export it"):
        telegram_token(CONFIG, {})
    with pytest.raises(TelegramSetupError) as raised:
        telegram_token(CONFIG, {"TA_TEST_TG_TOKEN": "not a token: hunter2hunter2hunter2"})
    assert "does not look like a bot token" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_redaction_covers_the_token_and_its_secret_part() -> None:
    secret = TOKEN.partition(":")[2]
    assert (
        redact(f"POST https://x/bot{TOKEN}/getMe", TOKEN) == f"POST https://x/bot{REDACTED}/getMe"
    )
    assert redact(f"...{secret[:-1]}|{secret}", TOKEN) == f"...{secret[:-1]}|{REDACTED}"
    assert redact("nothing here", "") == "nothing here"


def test_the_redactor_rewrites_httpx_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    redactor = TokenRedactor(TOKEN)
    redactor.install()
    try:
        logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "POST", f"/bot{TOKEN}/x", 200)
    finally:
        redactor.remove()
    logging.getLogger("httpx").info("after: %s", "plain")
    assert f'HTTP Request: POST /bot{REDACTED}/x "200"' in caplog.text
    assert TOKEN not in caplog.text
    assert "after: plain" in caplog.text
    assert TOKEN not in repr(redactor)


def answering(status: int, body: Any) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, Exception):
            raise body
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, TelegramAuthError,
         "getMe: 401 Unauthorized: the bot token is wrong"),
        (404, {"ok": False, "error_code": 404, "description": "Not Found"}, TelegramAuthError,
         "getMe: 404 Not Found"),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
         TelegramRefused, "getMe: 400 Bad Request: chat not found"),
        (502, "<html>Bad Gateway</html>", TelegramError, "getMe: HTTP 502 without a Bot API"),
        (409, {"ok": False, "error_code": 409, "description": "Conflict: terminated by other"
               " getUpdates request"}, TelegramError, "getMe: 409 Conflict"),
        (0, httpx.ConnectError(f"cannot reach /bot{TOKEN}/getMe"), TelegramError,
         f"getMe: connection failed (cannot reach /bot{REDACTED}/getMe)"),
        (0, httpx.ReadTimeout("timed out"), TelegramError, "getMe: no answer in time"),
    ],
)  # fmt: skip
async def test_bot_api_failures_become_typed_errors_without_the_token(
    status: int, body: Any, error: type[TelegramError], text: str
) -> None:
    api = BotApi("https://api.example", TOKEN, transport=answering(status, body))
    try:
        with pytest.raises(error) as raised:
            await api.get_me()
    finally:
        await api.close()
    assert type(raised.value) is error
    assert str(raised.value).startswith(text)
    assert TOKEN.partition(":")[2] not in str(raised.value)
    assert raised.value.__context__ is None  # no chained httpx error carrying the URL


async def test_a_429_carries_its_retry_after_and_retrying_waits_exactly_that() -> None:
    body = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    answers = iter(
        [
            httpx.Response(429, json=body),
            httpx.Response(200, json={"ok": True, "result": {"id": 1}}),
        ]
    )
    api = BotApi(
        "https://api.example", TOKEN, transport=httpx.MockTransport(lambda _: next(answers))
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    try:
        me = await retrying(api.get_me, what="getMe", sleep=sleep)
    finally:
        await api.close()
    assert me == {"id": 1}
    assert waits == [7.0]


async def test_retrying_gives_up_on_what_cannot_succeed_and_after_its_attempts() -> None:
    calls: list[int] = []

    async def refused() -> None:
        calls.append(1)
        raise TelegramRefused("sendMessage: 403 Forbidden: bot was blocked by the user", code=403)

    async def no_sleep(_: float) -> None:
        return None

    with pytest.raises(TelegramRefused):
        await retrying(refused, what="sendMessage", sleep=no_sleep)
    assert len(calls) == 1

    async def flaky() -> None:
        calls.append(2)
        raise TelegramError("sendMessage: 502 Bad Gateway", code=502)

    with pytest.raises(TelegramError, match="502"):
        await retrying(flaky, what="sendMessage", attempts=3, sleep=no_sleep)
    assert calls.count(2) == 3


def test_backoff_doubles_to_its_cap_and_honours_a_rate_limit() -> None:
    backoff = Backoff(base_s=0.5, cap_s=4.0, jitter=lambda: 1.0)
    error = TelegramError("x")
    assert [backoff.delay(error) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.delay(TelegramRateLimited("429", 3)) == 3
    backoff.reset()
    assert backoff.delay(error) == 0.5
    assert Backoff(base_s=1.0, jitter=lambda: 0.0).delay(error) == 0.5
