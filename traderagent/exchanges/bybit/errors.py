"""Typed errors for Bybit retCodes and HTTP failures (bybit_v5.md §4).

Every error is an `ExchangeError`, so the engine's existing handling applies. `retryable` says
whether sending the same request again is safe and may succeed; order creation narrows that
further (see `orders.py`).
"""

from __future__ import annotations

from traderagent.exchanges.ports import ExchangeError


class BybitError(ExchangeError):
    """A request Bybit refused or could not serve. `code` is the retCode (0 for HTTP-level)."""

    retryable = False

    def __init__(self, message: str, code: int = 0, endpoint: str = "") -> None:
        where = f" ({endpoint})" if endpoint else ""
        prefix = f"Bybit retCode {code}" if code else "Bybit"
        super().__init__(f"{prefix}{where}: {message}")
        self.code = code
        self.endpoint = endpoint
        self.reason = message


class AuthError(BybitError):
    """Key, signature, permission or IP binding refused (10003/10004/10005/10007/10010, 401)."""


class InvalidRequestError(BybitError):
    """The request itself is wrong (parameters, price range, quantity...); resending won't help."""


class OrderNotFoundError(InvalidRequestError):
    """The exchange has no such open order (110001, 170213)."""


class OrderClosedError(InvalidRequestError):
    """The order is already filled or cancelled (110008, 110010, 170142)."""


class DuplicateOrderError(InvalidRequestError):
    """The orderLinkId was used before (110072, 170141): the order is already placed."""


class InsufficientBalanceError(InvalidRequestError):
    """Not enough balance or margin for the order (110004/110007/110012/110045, 170131)."""


class TransientError(BybitError):
    """A failure that may pass if the same request is sent again."""

    retryable = True


class RequestTimeoutError(TransientError):
    """No answer in time (client timeout, lost connection, or retCode 10000)."""


class NetworkError(TransientError):
    """The connection failed or dropped; a request may or may not have reached the server."""


class ServerError(TransientError):
    """The server failed (HTTP 5xx, retCode 10016)."""


class TimestampError(TransientError):
    """The request timestamp fell outside the recv window (10002): re-sync and widen it."""


class RateLimitError(TransientError):
    """A per-endpoint budget is spent (10006, HTTP 429). `reset_ms` is when it refills."""

    def __init__(self, message: str, code: int, endpoint: str, reset_ms: int | None) -> None:
        super().__init__(message, code, endpoint)
        self.reset_ms = reset_ms


class IpRateLimitError(RateLimitError):
    """retCode 10018: this IP sends too fast (every endpoint at once). Refused unprocessed, so
    resending is safe; the client waits a growing, jittered backoff first."""


class IpBannedError(BybitError):
    """HTTP 403: the IP limit was breached (or the IP is refused); requests pause until
    `until_ms`."""

    def __init__(self, message: str, endpoint: str, until_ms: int) -> None:
        super().__init__(message, 0, endpoint)
        self.until_ms = until_ms


class ProtocolError(BybitError):
    """A reply that does not follow the V5 format (not JSON, missing fields, unknown status)."""


_BY_CODE: dict[int, type[BybitError]] = {
    10000: RequestTimeoutError,
    10001: InvalidRequestError,
    10002: TimestampError,
    10003: AuthError,
    10004: AuthError,
    10005: AuthError,
    10007: AuthError,
    10010: AuthError,
    10016: ServerError,
    10017: InvalidRequestError,
    110001: OrderNotFoundError,
    170213: OrderNotFoundError,
    110008: OrderClosedError,
    110010: OrderClosedError,
    170142: OrderClosedError,
    110072: DuplicateOrderError,
    170141: DuplicateOrderError,
    110004: InsufficientBalanceError,
    110007: InsufficientBalanceError,
    110012: InsufficientBalanceError,
    110045: InsufficientBalanceError,
    170131: InsufficientBalanceError,
}


def error_for(code: int, message: str, endpoint: str, reset_ms: int | None = None) -> BybitError:
    """The typed error of a non-zero retCode; unknown codes are invalid requests (not retried)."""
    if code == 10006:
        return RateLimitError(message, code, endpoint, reset_ms)
    if code == 10018:
        return IpRateLimitError(message, code, endpoint, reset_ms)
    return _BY_CODE.get(code, InvalidRequestError)(message, code, endpoint)
