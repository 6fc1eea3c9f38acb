"""HMAC-SHA256 request and stream-auth signatures (bybit_v5.md §2 and §6).

The signed payload is the exact text on the wire: a GET's query string as sent (no `?`), a
POST's JSON body bytes. Nothing here sorts or re-serialises; callers sign what they send.
"""

from __future__ import annotations

import hashlib
import hmac

from traderagent.exchanges.bybit.credentials import ApiCredentials


def hmac_hex(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA256 of `message` under `secret` (both UTF-8)."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def rest_signature(
    credentials: ApiCredentials, timestamp_ms: int, recv_window_ms: int, payload: str
) -> str:
    """`X-BAPI-SIGN` for `timestamp + api_key + recv_window + payload`."""
    message = f"{timestamp_ms}{credentials.api_key}{recv_window_ms}{payload}"
    return hmac_hex(credentials.api_secret, message)


def rest_headers(
    credentials: ApiCredentials, timestamp_ms: int, recv_window_ms: int, payload: str
) -> dict[str, str]:
    """The authentication headers of one private REST request."""
    return {
        "X-BAPI-API-KEY": credentials.api_key,
        "X-BAPI-TIMESTAMP": str(timestamp_ms),
        "X-BAPI-RECV-WINDOW": str(recv_window_ms),
        "X-BAPI-SIGN": rest_signature(credentials, timestamp_ms, recv_window_ms, payload),
        "X-BAPI-SIGN-TYPE": "2",
    }


def rest_head(
    credentials: ApiCredentials, timestamp_ms: int, recv_window_ms: int, body: bytes
) -> list[tuple[bytes, bytes]]:
    """`rest_headers` as the byte pairs a POST carries, its body signed as the bytes sent
    (the live path: no dict, no text round trip of the body)."""
    timestamp, window, key = str(timestamp_ms), str(recv_window_ms), credentials.api_key
    message = f"{timestamp}{key}{window}".encode() + body
    signature = hmac.new(credentials.api_secret.encode(), message, hashlib.sha256).hexdigest()
    return [
        (b"X-BAPI-API-KEY", key.encode()),
        (b"X-BAPI-TIMESTAMP", timestamp.encode()),
        (b"X-BAPI-RECV-WINDOW", window.encode()),
        (b"X-BAPI-SIGN", signature.encode()),
        (b"X-BAPI-SIGN-TYPE", b"2"),
    ]


class PostSigner:
    """`rest_head` for one key pair with its fixed parts made once: the HMAC keyed with the
    secret (copied per request, not keyed again), the key's and the sign type's header
    pairs, the window's as long as it does not change. The same bytes as `rest_head`."""

    __slots__ = ("_key", "_mac", "_prefix", "_window", "_window_ms")

    def __init__(self, credentials: ApiCredentials) -> None:
        self._mac = hmac.new(credentials.api_secret.encode(), digestmod=hashlib.sha256)
        self._key = (b"X-BAPI-API-KEY", credentials.api_key.encode())
        self._prefix = credentials.api_key.encode()
        self._window_ms = -1
        self._window = (b"X-BAPI-RECV-WINDOW", b"")

    def head(
        self, timestamp_ms: int, recv_window_ms: int, body: bytes
    ) -> list[tuple[bytes, bytes]]:
        if recv_window_ms != self._window_ms:  # widened after a 10002 only
            self._window = (b"X-BAPI-RECV-WINDOW", str(recv_window_ms).encode())
            self._window_ms = recv_window_ms
        timestamp, window = str(timestamp_ms).encode(), self._window
        mac = self._mac.copy()
        mac.update(timestamp + self._prefix + window[1] + body)
        return [
            self._key,
            (b"X-BAPI-TIMESTAMP", timestamp),
            window,
            (b"X-BAPI-SIGN", mac.hexdigest().encode()),
            SIGN_TYPE,
        ]


SIGN_TYPE = (b"X-BAPI-SIGN-TYPE", b"2")


def ws_auth_args(credentials: ApiCredentials, expires_ms: int) -> list[str | int]:
    """The `args` of the private stream's `auth` op: key, expiry (an int), signature."""
    signature = hmac_hex(credentials.api_secret, f"GET/realtime{expires_ms}")
    return [credentials.api_key, expires_ms, signature]
