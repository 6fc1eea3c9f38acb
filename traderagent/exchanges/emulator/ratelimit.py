"""Per-UID, per-endpoint API budgets: a rolling one-second window, as Bybit V5 counts them.

Every private response carries `X-Bapi-Limit` (the budget), `X-Bapi-Limit-Status` (requests
left) and `X-Bapi-Limit-Reset-Timestamp` (wall ms when the window frees up; roughly now while
requests are left). A request over budget gets retCode 10006. Windows run on the wall clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_MS = 1000

DEFAULT_LIMITS: dict[str, int] = {
    "/v5/order/create": 10,
    "/v5/order/cancel": 10,
    "/v5/order/cancel-all": 10,
    "/v5/order/realtime": 50,
    "/v5/order/history": 50,
    "/v5/execution/list": 50,
    "/v5/position/list": 50,
    "/v5/position/set-leverage": 10,
    "/v5/account/wallet-balance": 50,
}
SPOT_LIMITS: dict[str, int] = {
    "/v5/order/create": 20,
    "/v5/order/cancel": 20,
    "/v5/order/cancel-all": 20,
}


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """The outcome of spending one request: allowed or not, and the three header values."""

    allowed: bool
    limit: int
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Bapi-Limit": str(self.limit),
            "X-Bapi-Limit-Status": str(self.remaining),
            "X-Bapi-Limit-Reset-Timestamp": str(self.reset_ms),
        }


class RateLimiter:
    """Rolling-window counters per (endpoint, spot or not). `overrides` replace whole paths."""

    def __init__(self, overrides: Mapping[str, int] | None = None) -> None:
        self._overrides = dict(overrides or {})
        for path, limit in self._overrides.items():
            if limit < 1:
                raise ValueError(f"rate limit of {path} must be at least 1, got {limit}")
        self._hits: dict[str, deque[int]] = {}
        self._blocked_until: dict[str, int] = {}

    def limit_of(self, path: str, category: str) -> int:
        if path in self._overrides:
            return self._overrides[path]
        if category == "spot" and path in SPOT_LIMITS:
            return SPOT_LIMITS[path]
        return DEFAULT_LIMITS.get(path, 50)

    def take(self, path: str, category: str, now_ms: int) -> LimitStatus:
        """Spend one request of this endpoint's budget if any is left."""
        key, limit = _key(path, category), self.limit_of(path, category)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now_ms - WINDOW_MS:
            hits.popleft()
        blocked = self._blocked_until.get(key, 0)
        if blocked > now_ms:
            return LimitStatus(False, limit, 0, blocked)
        if len(hits) >= limit:
            return LimitStatus(False, limit, 0, hits[0] + WINDOW_MS)
        hits.append(now_ms)
        return LimitStatus(True, limit, limit - len(hits), now_ms)

    def exhaust(self, path: str, category: str, now_ms: int) -> LimitStatus:
        """Use up the budget for a whole window (an injected 10006 burst)."""
        key, limit = _key(path, category), self.limit_of(path, category)
        self._blocked_until[key] = now_ms + WINDOW_MS
        return LimitStatus(False, limit, 0, now_ms + WINDOW_MS)


def _key(path: str, category: str) -> str:
    """Spot order entry has its own budget; every other endpoint one for all categories."""
    return f"{path}|spot" if category == "spot" and path in SPOT_LIMITS else path
