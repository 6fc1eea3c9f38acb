"""The real engine on the emulator, over the wire, fills as its backtest does (`lockstep`).

For the cases of `test_perp_same_fills` (a neutral and a short grid, a short trend and a short
DCA on perps, over 2023-03-09..12 of the bundled data: the March 2023 crash and rebound, a
trending and a ranging stretch, every funding mark of the three days) the engine runs with
`BybitLinearExchange` against the emulator (REST and WS), the emulator's replay stepped in
lockstep with the engine's clock: the fills the engine journals are the backtest's, in the
same order, to the field (time, order, side, price, qty, fee), and so are its funding shares.

Those windows never put a mid-candle reaction to the test: in them no order a bot cancels
while a candle is being walked would have filled later in that candle (checked when this was
written). The last test builds such a candle: a short DCA's take profit fills at the candle's
low, the bot cancels its safety orders there, and the candle's high (after the low on the
pessimistic path) would have filled the first one. Stepped candle by candle only, the emulator
fills that safety order (a live venue's timing: the whole candle fills before the engine hears
of it); paused after each fill, it does not, as in the backtest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from test_perp_same_fills import CASES, RULES, Row, Tape, row

from traderagent.backtest import runner
from traderagent.config import AppConfig, parse_config
from traderagent.lockstep import run_in_lockstep

MINUTE = 60_000
START = datetime(2023, 3, 10, tzinfo=UTC)
PRICE = 20000


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_engine_on_the_emulator_fills_as_its_backtest(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = CASES[case]()
    tape = Tape()  # for the paper venue's funding charges
    tape.install(monkeypatch)
    backtest = await runner.run_backtest(config)
    assert tape.venue is not None
    paper_funding = [c.fee for c in tape.venue.funding_charges]
    monkeypatch.undo()

    lockstep = await run_in_lockstep(config)

    assert lockstep.summary.reason == "end of replay data"
    fills = [row(f) for f in backtest.fills]
    assert len(fills) >= 6 and {r[2] for r in fills} == {"Buy", "Sell"}
    assert [row(f) for f in lockstep.fills] == fills  # the order they were heard in too
    trades = [e for e in lockstep.executions if e.exec_type == "Trade"]
    assert len(trades) == len(fills)  # the venue filled nothing the engine did not hear
    assert paper_funding and [f.amount for f in lockstep.funding] == paper_funding


def candles_csv(path: Path) -> Path:
    """Flat 1m candles at 20 000 (the warm-up before START, then the window), except the
    fifth candle of the window: open 20 000, low 19 700, high 20 300, close 20 000."""
    first = int(START.timestamp() * 1000) - 300 * MINUTE
    lines = ["timestamp,open,high,low,close,volume"]
    for k in range(300 + 60):
        o = h = lo = c = PRICE
        if k == 300 + 4:
            h, lo = PRICE + 300, PRICE - 300
        lines.append(f"{first + k * MINUTE},{o},{h},{lo},{c},10")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def short_dca(data: Path) -> AppConfig:
    raw = yaml.safe_load(Path("configs/dca-perp.yaml").read_text(encoding="utf-8"))
    raw["replay"] = {
        "data": str(data),
        "speed": "max",
        "start": START.isoformat(),
        "end": datetime(2023, 3, 10, 1, tzinfo=UTC).isoformat(),
    }
    raw["storage"] = {"database_url": ""}
    raw["paper"]["linear"].pop("funding_file", None)
    raw["paper"]["instruments"] = RULES
    return parse_config(yaml.safe_dump(raw), "dca-perp.yaml", {})


def around(fills: list[Row], ts: int) -> list[Row]:
    return [r for r in fills if ts <= r[0] < ts + MINUTE]


async def test_a_cancel_the_bot_decides_mid_candle_applies_from_there_on_the_emulator(
    tmp_path: Path,
) -> None:
    config = short_dca(candles_csv(tmp_path / "wide.csv"))
    wide = int(START.timestamp() * 1000) + 4 * MINUTE
    backtest = [row(f) for f in (await runner.run_backtest(config)).fills]
    # the backtest: the base sell, then in the wide candle only the take profit (a buy)
    assert [(r[2], r[3]) for r in around(backtest, wide)] == [("Buy", Decimal("19760.0"))]
    assert backtest[0][2] == "Sell" and backtest[0][0] < wide

    paused = await run_in_lockstep(config)
    assert [row(f) for f in paused.fills] == backtest

    # the same engine and venue, waited for only between candles: the safety order the bot
    # cancelled at the low still filled at the high
    unpaused = [row(f) for f in (await run_in_lockstep(config, mid_candle=False)).fills]
    assert [(r[2], r[3]) for r in around(unpaused, wide)] == [
        ("Buy", Decimal("19760.0")),
        ("Sell", Decimal("20200.0")),
    ]
