"""A small Telegram Bot API client over httpx: getMe, getUpdates (long polling), sendMessage.

Each call is one attempt; `retrying` (in `retry.py`) decides what to repeat. Every failure is a
`TelegramError` whose message never holds the token: httpx errors are re-raised with their text
redacted and without their chain (their request carries the URL, and the URL the token).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from traderagent.notify.redact import TokenRedactor, redact

MESSAGE_UPDATES = ("message",)
"""The update kinds asked for: commands arrive as messages."""
CONNECT_TIMEOUT_S = 5.0


class TelegramError(Exception):
    """A Bot API call failed. The text is safe to log: it never holds the token."""

    retryable = True

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TelegramAuthError(TelegramError):
    """The Bot API refused the token (401), or the URL is not a Bot API (404)."""

    retryable = False


class TelegramRefused(TelegramError):
    """A request the server will never accept as sent: a bad chat id, a bot the user blocked."""

    retryable = False


class TelegramRateLimited(TelegramError):
    """HTTP 429: the Bot API asks to wait `retry_after` seconds before the next request."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, code=429)
        self.retry_after = retry_after


class BotApi:
    """One pooled connection to a Bot API server, authenticated by the token in the path."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout_s: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._timeout_s = timeout_s
        self._redactor = TokenRedactor(token)
        self._redactor.install()
        self._http = httpx.AsyncClient(
            base_url=f"{api_url.rstrip('/')}/bot{token}/",
            transport=transport,
            headers={"User-Agent": "traderagent"},
        )

    def __repr__(self) -> str:
        return "BotApi(<token hidden>)"

    async def close(self) -> None:
        await self._http.aclose()
        self._redactor.remove()

    async def get_me(self) -> dict[str, Any]:
        """The bot's own user (`id`, `username`); a TelegramAuthError when the token is wrong."""
        me: dict[str, Any] = await self.call("getMe", {})
        return me

    async def get_updates(self, offset: int | None, timeout_s: int) -> list[dict[str, Any]]:
        """Updates after `offset`, waiting up to `timeout_s` on the server for the first one."""
        payload: dict[str, Any] = {"timeout": timeout_s, "allowed_updates": MESSAGE_UPDATES}
        if offset is not None:
            payload["offset"] = offset
        updates = await self.call("getUpdates", payload, read_timeout_s=timeout_s + 10.0)
        if not isinstance(updates, list):
            raise TelegramError("getUpdates answered something other than a list of updates")
        return [update for update in updates if isinstance(update, dict)]

    async def send_message(self, chat_id: int, text: str) -> dict[str, Any]:
        """Send plain text (no parse mode: nothing to escape); returns the sent Message."""
        payload = {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
        sent: dict[str, Any] = await self.call("sendMessage", payload)
        return sent

    async def call(
        self, method: str, payload: dict[str, Any], *, read_timeout_s: float | None = None
    ) -> Any:
        """POST one method with a JSON body; the `result` of an `ok` answer, else an error."""
        timeout = httpx.Timeout(read_timeout_s or self._timeout_s, connect=CONNECT_TIMEOUT_S)
        failure: TelegramError | None = None
        try:
            response = await self._http.post(method, json=payload, timeout=timeout)
        except httpx.TimeoutException:
            failure = TelegramError(f"{method}: no answer in time")
        except httpx.HTTPError as exc:
            reason = redact(str(exc) or type(exc).__name__, self._token)
            failure = TelegramError(f"{method}: connection failed ({reason})")
        if failure is not None:  # raised out here, so no exception holding the URL is chained
            raise failure
        return self._unwrap(method, response)

    def _unwrap(self, method: str, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            raise TelegramError(
                f"{method}: HTTP {response.status_code} without a Bot API answer",
                code=response.status_code,
            )
        if body["ok"] is True:
            return body.get("result")
        code = body.get("error_code", response.status_code)
        what = redact(str(body.get("description", "no description")), self._token)
        text = f"{method}: {code} {what}"
        if code in (401, 404):
            raise TelegramAuthError(
                f"{text}: the bot token is wrong (or telegram.api_url is not a Bot API)", code=code
            )
        if code == 429:
            parameters = body.get("parameters")
            wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise TelegramRateLimited(text, float(wait) if isinstance(wait, int | float) else 1.0)
        if code in (400, 403):
            raise TelegramRefused(text, code=code)
        raise TelegramError(text, code=code if isinstance(code, int) else None)
