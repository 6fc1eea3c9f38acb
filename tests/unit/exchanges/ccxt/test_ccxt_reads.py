"""Reads through ccxt survive a passing network failure (retried, each retry logged); writes
are never retried behind the venue's back (it looks an order up before any resend)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from traderagent.exchanges.ccxt import reads
from traderagent.exchanges.ccxt.reads import READ_ATTEMPTS, RetryingReads

errors = pytest.importorskip("ccxt.base.errors")


class Flaky:
    """Fails its first `failures` calls of each method with a 5xx, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: dict[str, int] = {}
        self.has = {"fetchOHLCV": True}

    async def _answer(self, name: str) -> str:
        self.calls[name] = self.calls.get(name, 0) + 1
        if self.calls[name] <= self.failures:
            raise errors.ExchangeNotAvailable("502 emulated server error")
        return name

    async def fetch_open_orders(self, *_: Any, **__: Any) -> str:
        return await self._answer("fetch_open_orders")

    async def create_order(self, *_: Any, **__: Any) -> str:
        return await self._answer("create_order")


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "FIRST_PAUSE_S", 0.0)


async def test_a_read_is_retried_and_each_retry_logged(caplog: pytest.LogCaptureFixture) -> None:
    flaky = Flaky(failures=READ_ATTEMPTS - 1)
    client = RetryingReads(flaky, errors.NetworkError, "ccxt-test")
    assert await client.fetch_open_orders("BTC/USDT") == "fetch_open_orders"
    assert flaky.calls["fetch_open_orders"] == READ_ATTEMPTS
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == READ_ATTEMPTS - 1 and "ExchangeNotAvailable" in retries[0].message
    assert client.has is flaky.has and client.wrapped is flaky  # the rest is the client's


async def test_a_read_that_keeps_failing_raises_after_the_last_try() -> None:
    flaky = Flaky(failures=READ_ATTEMPTS)
    client = RetryingReads(flaky, errors.NetworkError, "ccxt-test")
    with pytest.raises(errors.ExchangeNotAvailable):
        await client.fetch_open_orders("BTC/USDT")
    assert flaky.calls["fetch_open_orders"] == READ_ATTEMPTS


async def test_a_write_is_sent_once() -> None:
    flaky = Flaky(failures=1)
    client = RetryingReads(flaky, errors.NetworkError, "ccxt-test")
    with pytest.raises(errors.ExchangeNotAvailable):
        await client.create_order("BTC/USDT", "limit", "buy", 1.0, 1.0)
    assert flaky.calls["create_order"] == 1
