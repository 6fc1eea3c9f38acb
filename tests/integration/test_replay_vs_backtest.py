"""Paper replay against backtest: `traderagent run` on the paper venue (SQLite journal, stored
paper book, every candle stepped) and `traderagent backtest` (memory journal, quiet spans
passed over) give the same fills, fill for fill, on every example config that trades on paper.
With `test_cancel_races.py` (engine against kernel on the same configs) the three ways of
running a config agree."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from traderagent.backtest.runner import run_backtest
from traderagent.config import parse_config
from traderagent.domain import Fill
from traderagent.domain.events import OrderFilled
from traderagent.wiring.runtime import build_engine

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
# four days around the 9-10 March 2023 sell-off: stops, halts and regime switches happen here
WINDOW = {"start": "2023-03-08T00:00:00Z", "end": "2023-03-12T00:00:00Z"}


def _paper_configs() -> list[str]:
    names = []
    for path in sorted(CONFIGS.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw.get("mode", "paper") == "paper":
            names.append(path.stem)
    return names


def _row(fill: Fill) -> tuple[object, ...]:
    return (
        fill.ts,
        fill.bot,
        fill.side,
        fill.price,
        fill.qty,
        fill.fee,
        fill.fee_asset,
        fill.liquidity,
        fill.tag,
    )


@pytest.mark.parametrize("name", _paper_configs())
async def test_paper_replay_and_backtest_agree_fill_for_fill(name: str, tmp_path: Path) -> None:
    raw = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["replay"] = {"data": "bundled", "speed": "max", **WINDOW}
    raw.setdefault("storage", {})["database_url"] = ""
    config = parse_config(yaml.safe_dump(raw), f"{name}.yaml", {})

    backtest = await run_backtest(config)

    built = await build_engine(config, tmp_path / "replay.db")
    replayed: list[Fill] = []
    built.engine.bus.subscribe(OrderFilled, lambda e: replayed.append(e.fill))
    summary = await built.engine.run()
    await built.engine.close()

    assert summary.reason == "end of replay data"
    assert len(backtest.fills) > 5
    assert [_row(f) for f in replayed] == [_row(f) for f in backtest.fills]
