"""`traderagent lookahead`: the real strategies pass; a strategy that peeks at candles after
the one it is deciding on (a test-only fake reading the replay's own feed) is caught."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import traderagent.optimize.lookahead as lookahead_module
from strategies.base import StrategyContext
from traderagent.cli import main
from traderagent.domain import Candle, Fill, Instrument, Intent, Order, PlaceOrder, Side

DAYS = ["--start", "2023-03-06", "--end", "2023-03-08"]


@pytest.mark.parametrize("name", ["default", "dca", "trend", "router"])
def test_the_real_strategies_make_the_same_decisions_whatever_comes_later(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["lookahead", "--config", f"configs/{name}.yaml", "--data", "bundled", *DAYS, "--cuts", "2"]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "no look-ahead bias found" in printed
    placed = int(printed.split("decisions")[1].split()[0].replace(",", ""))
    assert placed > 0  # the check compared real decisions


class Peeking:
    """Every hour, rests a bid at half the close of the candle an hour AFTER the current one:
    look-ahead bias. It reads the candles the replay was given (`feed`), as a buggy indicator
    might; the bid is far below the market, so it never fills and only the decision counts."""

    kind = "peeking"

    def __init__(self, feed: list[Any], instrument: Instrument) -> None:
        self.feed = feed
        self.instrument = instrument

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        if candle.ts % 3_600_000 or not self.feed:
            return []
        series = self.feed[-1]
        later = int(np.searchsorted(series.ts, candle.ts + 3_600_000))
        if later >= len(series):
            return []
        bid = Decimal(int(series.close[later] / 2))
        return [PlaceOrder(f"peek{candle.ts}", Side.BUY, Decimal("0.001"), bid)]

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def prime(self, history: Sequence[Candle]) -> None:
        return None

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def describe(self) -> str:
        return "peeking an hour ahead"


def test_a_strategy_that_peeks_at_later_candles_is_caught(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed: list[Any] = []
    real_venue = lookahead_module.backtest_venue

    def recording_venue(config: Any, window: Any) -> Any:
        feed.append(window.candles)  # what this run replays: the full data or a cut copy
        return real_venue(config, window)

    monkeypatch.setattr(lookahead_module, "backtest_venue", recording_venue)
    monkeypatch.setattr(
        "traderagent.wiring.assembly.make_strategy",
        lambda config, instrument, smc=None: Peeking(feed, instrument),
    )
    out = tmp_path / "lookahead.json"
    code = main(["lookahead", "--data", "bundled", *DAYS, "--cuts", "3", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "LOOK-AHEAD:" in printed and "full run only" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["biased"] and len(result["differences"]) == 3
    for diff in result["differences"]:
        cut = diff["cut"]
        missing = diff["only_full"]
        assert missing and all(d["time"] < cut and d["tag"].startswith("peek") for d in missing)
        # only the last hour before the cut needs the future the cut removed
        assert all(d["time"] >= _hour_before(cut) for d in missing) and not diff["only_cut"]


def _hour_before(stamp: str) -> str:
    from datetime import datetime, timedelta

    moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M") - timedelta(hours=1)
    return moment.strftime("%Y-%m-%d %H:%M")


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookahead", "--data", "bundled", "--cuts", "0"]) == 2
    assert "--cuts must be at least 1" in capsys.readouterr().err
    assert main(["lookahead", "--bot", "nobody", "--data", "bundled"]) == 2
    assert "no bot named 'nobody'" in capsys.readouterr().err
