"""Waiting for the dashboard's 10 Hz refresh without betting on how busy the machine is."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot


async def settle(pilot: Pilot[None], done: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Let the app run until `done()` holds; fail after `timeout_s` (a real regression)."""
    waited = 0.0
    while not done():
        if waited >= timeout_s:
            raise AssertionError(f"the screen did not settle within {timeout_s:g} s")
        await pilot.pause(0.05)
        waited += 0.05
