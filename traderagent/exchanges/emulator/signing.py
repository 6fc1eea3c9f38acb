"""Request authentication as Bybit V5 checks it: HMAC-SHA256 signatures and the time window.

REST: the signed string is `timestamp + api_key + recv_window + payload`, where the payload is
the raw query string (GET, without `?`) or the raw body (POST), byte for byte as sent. The
timestamp must satisfy `server - recv_window <= timestamp < server + 1000` on the *wall* clock.
WS private auth signs `"GET/realtime" + expires`, and `expires` must lie in the future.
Only HMAC keys are emulated (no RSA); `X-BAPI-SIGN-TYPE` is accepted and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from traderagent.exchanges.emulator.errors import (
    BAD_SIGN,
    INVALID_KEY,
    TIMESTAMP,
    BybitError,
    params_error,
)

DEFAULT_API_KEY = "emulator-key"
DEFAULT_API_SECRET = "emulator-secret-not-for-real-use"  # noqa: S105 - a documented test secret
DEFAULT_RECV_WINDOW = 5000
FUTURE_TOLERANCE_MS = 1000


@dataclass(frozen=True, slots=True)
class Credentials:
    """The one API key pair the emulated account accepts. The secret never reaches a repr."""

    api_key: str = DEFAULT_API_KEY
    api_secret: str = field(default=DEFAULT_API_SECRET, repr=False)


def sign(secret: str, message: str) -> str:
    """HMAC-SHA256 of `message` keyed by `secret`, as lowercase hex."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def check_rest_auth(
    headers: Mapping[str, str], payload: str, creds: Credentials, now_ms: int
) -> None:
    """Raise the BybitError Bybit would answer with (10003, 10002, 10004); None if authentic.

    `headers` must be case-insensitive (Starlette's are); `payload` is the raw signed text.
    """
    key = headers.get("x-bapi-api-key", "")
    if not hmac.compare_digest(key.encode(), creds.api_key.encode()):
        raise BybitError(INVALID_KEY, "API key is invalid.")
    recv_text = headers.get("x-bapi-recv-window", "")
    try:
        recv_window = int(recv_text) if recv_text else DEFAULT_RECV_WINDOW
    except ValueError:
        raise params_error(f"X-BAPI-RECV-WINDOW must be an integer, got {recv_text!r}") from None
    ts_text = headers.get("x-bapi-timestamp", "")
    timestamp = int(ts_text) if ts_text.isdigit() else None
    if timestamp is None or not (now_ms - recv_window <= timestamp < now_ms + FUTURE_TOLERANCE_MS):
        raise BybitError(
            TIMESTAMP,
            "invalid request, please check your server timestamp or recv_window param. "
            f"req_timestamp[{ts_text}],server_timestamp[{now_ms}],recv_window[{recv_window}]",
        )
    origin = f"{ts_text}{key}{recv_text}{payload}"
    expected = sign(creds.api_secret, origin)
    given = headers.get("x-bapi-sign", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise BybitError(BAD_SIGN, f"error sign! origin_string[{origin}]")


def check_ws_auth(args: object, creds: Credentials, now_ms: int) -> str | None:
    """The ret_msg of a refused private WS `auth` op, or None when `args` authenticate."""
    if not isinstance(args, list) or len(args) != 3:
        return "Params Error"
    key, expires, signature = args
    if isinstance(expires, str) and expires.isdigit():
        expires = int(expires)
    if not isinstance(key, str) or not isinstance(expires, int) or not isinstance(signature, str):
        return "Params Error"
    if not hmac.compare_digest(key.encode(), creds.api_key.encode()):
        return "API key is invalid."
    if expires <= now_ms:
        return f"Params Error: expires {expires} is not after the server time {now_ms}"
    expected = sign(creds.api_secret, f"GET/realtime{expires}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return "Params Error: signature mismatch"
    return None
