"""`BalanceWatch` with a fake ccxt client: a stream that fails leaves every call a REST read
(logged), a push or a delivered change makes the next call read REST, and the last answer is
given again no longer than `truth_s`."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from traderagent.exchanges.ccxt.balance_stream import BalanceWatch

errors = pytest.importorskip("ccxt.base.errors")

WAIT_S = 20.0


class FakeClient:
    def __init__(self, fail_stream: bool) -> None:
        self.fail_stream = fail_stream
        self.usdt = 100
        self.rest = 0
        self.push = asyncio.Event()

    async def fetch_balance(self) -> dict[str, Any]:
        self.rest += 1
        return {"free": {"USDT": self.usdt}, "used": {"USDT": 0}}

    async def watch_balance(self) -> dict[str, Any]:
        if self.fail_stream:
            raise errors.NetworkError("socket closed")
        await self.push.wait()
        self.push.clear()
        return {}


def watch_of(client: FakeClient, changes: list[int], truth_s: float = 60.0) -> BalanceWatch:
    session = SimpleNamespace(
        name="ccxt-fake", client=client, errors=errors,
        config=SimpleNamespace(streams=True), caps=SimpleNamespace(balance_stream=True),
    )  # fmt: skip
    return BalanceWatch(session, lambda: changes[0], truth_s)  # type: ignore[arg-type]


async def _until(condition: Any) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not condition():
        assert loop.time() < deadline
        await asyncio.sleep(0.01)


async def test_a_failing_stream_leaves_every_read_to_rest(caplog: Any) -> None:
    client = FakeClient(fail_stream=True)
    watch = watch_of(client, [0])
    caplog.set_level(logging.WARNING)
    watch.start()
    try:
        await _until(lambda: "watch_balance failed" in caplog.text)
        for _ in range(3):
            assert (await watch.read())["USDT"].free == Decimal(100)
        assert client.rest == 3 and watch.saved == 0 and not watch.live
    finally:
        await watch.stop()


async def test_push_change_and_age_each_make_the_next_read_rest() -> None:
    client = FakeClient(fail_stream=False)
    changes = [0]
    watch = watch_of(client, changes)
    watch.start()
    try:
        client.push.set()
        await _until(lambda: watch.live)
        await watch.read()
        client.usdt = 90  # changed on the exchange; its push is not in yet
        assert (await watch.read())["USDT"].free == Decimal(100) and client.rest == 1
        client.push.set()
        await _until(lambda: watch.pushes == 2)
        assert (await watch.read())["USDT"].free == Decimal(90) and client.rest == 2
        client.usdt = 80
        changes[0] += 1  # the update poll delivered a fill
        assert (await watch.read())["USDT"].free == Decimal(80) and client.rest == 3
        client.usdt = 70
        watch.changed()  # an order request went out
        assert (await watch.read())["USDT"].free == Decimal(70) and client.rest == 4
        assert watch.saved == 1
        watch.truth_s = 0.0  # the last answer is too old: REST is the periodic truth
        await watch.read()
        assert client.rest == 5
    finally:
        await watch.stop()
