"""The last session of a crash test against the emulator, and what it reads of the daemon.

The market (the emulator's replay) moves on whether or not a bot is running. The last session
reconciles and trades while it moves: the market stops only once the bot runs and has had a
fill, however slow the machine; then the session catches up with the venue and is stopped by
SIGTERM. Every wait is for a condition, with a generous bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal

import httpx

from traderagent.exchanges.emulator import Emulator


async def keep_stepping(emu: Emulator, every_s: float) -> None:
    """The market moves on whether or not the bot is running."""
    while not emu.finished:
        await emu.step(1)
        await asyncio.sleep(every_s)


API_TOKEN = "crash-soak-metrics-token"  # noqa: S105 - the last session's API token, a test's
UP_WITHIN_S = 180.0
"""How long the last session may take to start trading: generous, a loaded machine is slow."""
METRIC = re.compile(r"^(traderagent_\w+)\{([^}]*)\} (\S+)$", re.MULTILINE)


async def bot_metrics(url: str, bot: str) -> dict[str, float]:
    """The bot's figures in the daemon's /metrics, by name (`bot_state` by `bot_state:STATE`)."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(
            f"{url}/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
    answer.raise_for_status()
    found = {}
    for name, labels, value in METRIC.findall(answer.text):
        if f'bot="{bot}"' in labels:
            state = re.search(r'state="(\w+)"', labels)
            found[f"{name}:{state[1]}" if state else name] = float(value)
    return found


async def wait_for_metric(
    url: str, bot: str, name: str, wanted: float, within_s: float
) -> dict[str, float]:
    deadline = asyncio.get_running_loop().time() + within_s
    while (seen := await bot_metrics(url, bot)).get(name) != wanted:
        assert asyncio.get_running_loop().time() < deadline, (name, wanted, seen)
        await asyncio.sleep(0.25)
    return seen


RESTING = ("New", "PartiallyFilled", "Untriggered")


async def caught_up(url: str, emu: Emulator, bot: str) -> None:
    """Wait (bounded) until the bot's resting orders are as many as the venue rests for it,
    with the market stopped: the fills and order updates the venue sent have reached it."""
    deadline = asyncio.get_running_loop().time() + UP_WITHIN_S
    while True:
        venue = sum(
            1 for o in emu.orders() if o.order_link_id.startswith(f"{bot}-") and o.status in RESTING
        )
        seen = (await bot_metrics(url, bot)).get("traderagent_open_orders")
        if seen == venue:
            return
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(("open orders", seen, venue, await books_differ(url, emu, bot)))
        await asyncio.sleep(0.25)


async def books_differ(url: str, emu: Emulator, bot: str) -> dict[str, object]:
    """What the bot rests and the venue does not, and the reverse, with the venue's view of
    each such order: the diagnosis a mismatch needs."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(
            f"{url}/api/v1/orders",
            params={"bot": bot},
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        )
    answer.raise_for_status()
    bots = {o["client_order_id"]: o["status"] for o in answer.json()}
    venue = {o.order_link_id: o for o in emu.orders() if o.order_link_id.startswith(f"{bot}-")}
    resting = {link for link, o in venue.items() if o.status in RESTING}
    return {
        "bot only": {
            link: (bots[link], getattr(venue.get(link), "status", "absent"))
            for link in set(bots) - resting
        },
        "venue only": sorted(resting - set(bots)),
    }


async def final_session(
    command: list[str], env: dict[str, str], market: asyncio.Task[None], emu: Emulator, bot: str
) -> tuple[str, dict[str, float]]:
    """A last session that reconciles and trades while the market moves (the market stops only
    once the bot runs and has had a fill, however slow the machine), sees it stop, catches up
    until no order of unknown fate is left, and is stopped by SIGTERM: its output and its last
    metrics."""
    child = await asyncio.create_subprocess_exec(
        *command,
        env={**env, "TRADERAGENT_API_TOKEN": API_TOKEN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert child.stdout is not None
    banner: list[str] = []
    while not (url := re.search(r"API listening on (\S+)", "".join(banner))):
        line = await asyncio.wait_for(child.stdout.readline(), UP_WITHIN_S)
        assert line, "".join(banner)  # it ended before its API was up
        banner.append(line.decode())
    if not market.done():  # the first candle after its reconcile starts the strategy
        await wait_for_metric(url[1], bot, "traderagent_bot_state:RUNNING", 1.0, UP_WITHIN_S)
        deadline = asyncio.get_running_loop().time() + UP_WITHIN_S
        while not market.done() and not any(
            e.order_link_id.startswith(f"{bot}-") for e in emu.executions()
        ):
            assert asyncio.get_running_loop().time() < deadline, "the bot had no fill"
            await asyncio.sleep(0.25)
        await asyncio.sleep(3)  # it trades while the market moves
    market.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await market
    # the last candles and fills reach it: it rests what the venue rests (not a fixed sleep: a
    # loaded machine took longer than 2 s, and a fill it had not seen yet read as a mismatch)
    await caught_up(url[1], emu, bot)
    metrics = await wait_for_metric(url[1], bot, "traderagent_unknown_orders", 0.0, UP_WITHIN_S)
    child.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(child.communicate(), 60)
    text = "".join(banner) + out.decode()
    assert child.returncode == 0, text
    return text, metrics
