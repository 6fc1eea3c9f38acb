"""A fleet member as its own process, for the fleet tests: `python -m kit.fleet_member URL
TTL_S POLL_S BOT...` takes every free or expired bot it can, keeps them, and prints one JSON
line per change: {"t": wall seconds, "member": id, "took": [...], "lost": [...]}."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from storage import Database
from storage.fleet import FleetMember


async def main(url: str, ttl_s: float, poll_s: float, bots: list[str]) -> None:
    database = await Database.open(url)
    member = FleetMember(database, bots, ttl_s=ttl_s, renew_s=ttl_s / 4)
    print(json.dumps({"t": time.time(), "member": member.holder, "took": [], "lost": []}))
    sys.stdout.flush()
    while True:
        took, lost = await member.step()
        if took or lost:
            record = {"t": time.time(), "member": member.holder, "took": took, "lost": lost}
            print(json.dumps(record), flush=True)
        await asyncio.sleep(poll_s)


if __name__ == "__main__":
    url, ttl, poll, *names = sys.argv[1:]
    asyncio.run(main(url, float(ttl), float(poll), names))
