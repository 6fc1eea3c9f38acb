"""Two fleet engines in one process on one SQLite database, stepped by hand: the first built
alone runs every bot; once the second has joined, the first hands its surplus back and the
second takes it (the bots' resting orders move with them on the shared paper book); a bot
whose lease the second loses leaves that engine alone, which trades its other bots on."""

from __future__ import annotations

from pathlib import Path

from kit.factories import write_config
from sqlalchemy import text

from traderagent.config import load_config
from traderagent.daemon import fleet_source
from traderagent.domain import BotState
from traderagent.wiring.fleet_runner import FleetRunner
from traderagent.wiring.runtime import Built, FleetOptions, build_engine

BOTS = ["grid-a", "grid-b", "grid-c", "grid-d"]
CONFIG = "mode: paper\nreplay:\n  data: bundled\n  speed: max\nbots:\n" + "".join(
    f"""  - name: {name}
    symbol: BTCUSDT
    strategy: {{kind: grid, lower: "21000", upper: "25000", levels: 11, amount_per_level: "100"}}
"""
    for name in BOTS
)


async def engine(config_path: Path, db: Path, holder: str) -> Built:
    return await build_engine(load_config(config_path), db, FleetOptions(holder, ttl_s=30))


async def test_the_surplus_moves_to_the_new_daemon_and_a_lost_bot_leaves_alone(
    tmp_path: Path,
) -> None:
    config_path = write_config(tmp_path, CONFIG)
    config = load_config(config_path)
    db = tmp_path / "fleet.db"
    first = await engine(config_path, db, "a:1:aa")
    second = None
    try:
        assert sorted(first.engine.bots) == BOTS  # alone: its share is every bot
        for bot in first.engine.bots.values():
            await bot.start()
        second = await engine(config_path, db, "b:2:bb")
        assert second.engine.bots == {}  # every bot is held elsewhere: none taken
        listed = fleet_source(second, FleetOptions("b:2:bb"))
        assert listed is not None  # a daemon that runs no bot lists the whole fleet
        assert [(v.bot, v.host, v.pid, v.live, v.here) for v in await listed()] == [
            (bot, "a", 1, True, False) for bot in BOTS
        ]
        one, two = FleetRunner(first, config), FleetRunner(second, config)

        handed = await one.step()
        assert sorted(handed.handed_back) == ["grid-c", "grid-d"]  # over its share of 2
        assert sorted(first.engine.bots) == ["grid-a", "grid-b"]
        took = await two.step()
        assert sorted(took.taken) == ["grid-c", "grid-d"]
        assert sorted(second.engine.bots) == ["grid-c", "grid-d"]
        assert all(b.state is BotState.STARTING for b in second.engine.bots.values())
        assert await one.step() == await two.step()  # settled: nothing moves

        # another daemon takes grid-c's row: the second finds out at its next renewal
        async with second.journal.database.engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE fleet_leases SET holder = 'c:3:cc', generation = generation + 1 "
                    "WHERE bot = 'grid-c'"
                )
            )
        assert second.member is not None
        assert not await second.member.leases["grid-c"].renew()
        assert await second.journal.check_lease("grid-c")  # orders for it are refused now
        lost = await two.step()
        assert [bot for bot, _ in lost.lost] == ["grid-c"]
        assert "another daemon took it over" in lost.lost[0][1]
        assert sorted(second.engine.bots) == ["grid-d"]  # the others trade on
        assert second.engine.lease_lost == "" and not second.engine.stopping
        assert await second.journal.check_lease("grid-d") == ""
    finally:
        for built in (first, second):
            if built is not None:
                await built.engine.close()
