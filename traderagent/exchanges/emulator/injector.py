"""FaultInjector: draws the faults of a FaultSpec, reproducibly, and records each one."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from traderagent.exchanges.emulator.faults import FaultSpec


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """One fault that happened: its kind, where (REST path or WS stream), and wall time."""

    kind: str
    where: str
    wall_ms: int


class FaultInjector:
    """One seeded stream of draws for REST requests and another for WebSocket pushes.

    A REST request takes one uniform draw, laid against the bands of `FaultSpec.rest_bands`;
    a band that does not apply to the request (10006 on a public endpoint, a lost response on
    a GET) means no fault, so each kind happens at exactly its share of the requests it applies to.
    """

    def __init__(self, spec: FaultSpec, wall_ms: Callable[[], int]) -> None:
        self.spec = spec
        self._wall_ms = wall_ms
        self._rest = random.Random(spec.seed)  # noqa: S311 - simulation, not cryptography
        self._ws = random.Random(spec.seed + 1)  # noqa: S311
        self._log: list[InjectedFault] = []
        self._has_rest = any(share for _, share in spec.rest_bands)

    @property
    def latency_s(self) -> float:
        return self.spec.latency_s

    def rest_fault(self, path: str, *, private: bool, write: bool) -> str | None:
        """The fault kind for this request (`http5xx`, `timeout`, `ratelimit`,
        `lost_response`), or None."""
        if not self._has_rest:
            return None
        draw, edge = self._rest.random(), 0.0
        for kind, share in self.spec.rest_bands:
            edge += share
            if draw < edge:
                applies = (kind != "ratelimit" or private) and (kind != "lost_response" or write)
                if not applies:
                    return None
                self._record(kind, path)
                return kind
        return None

    def http_status(self) -> int:
        """Which 5xx an `http5xx` fault answers with."""
        return self._rest.choice((500, 502, 503))

    def ws_drop(self, stream: str) -> bool:
        """Whether to drop the connection instead of this push."""
        if self.spec.ws_drop and self._ws.random() < self.spec.ws_drop:
            self._record("ws_drop", stream)
            return True
        return False

    def injected(self) -> list[InjectedFault]:
        """Every fault injected so far, oldest first."""
        return list(self._log)

    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self._log)

    def _record(self, kind: str, where: str) -> None:
        self._log.append(InjectedFault(kind, where, self._wall_ms()))
