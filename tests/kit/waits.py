"""Waiting for a condition in async tests: polled, with a generous bound (never a fixed pause)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_until(
    condition: Callable[[], object], timeout_s: float, what: str = "the condition"
) -> None:
    """Return once `condition()` is true; fail naming `what` after `timeout_s` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        await asyncio.sleep(0.01)
