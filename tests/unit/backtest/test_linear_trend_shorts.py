"""The trend follower shorts a downtrend on the paper venue's linear perpetuals (bundled data):
it opens and closes shorts, each round trip's PnL is (entry - exit) x qty less the USDT fees of
both fills, and the wallet is the start plus every round trip (no funding, all closed)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from traderagent.backtest import runner
from traderagent.backtest import venue as backtest_venue
from traderagent.backtest.trades import round_trips
from traderagent.config import AppConfig, load_config
from traderagent.domain import Liquidity, Side
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.wiring.venues import paper_exchange

TAKER, MAKER = Decimal("0.00055"), Decimal("0.0002")


def shorting(sides: str) -> AppConfig:
    config = load_config("configs/trend-perp.yaml")
    linear = config.paper.linear.model_copy(update={"funding_rate": Decimal(0)})
    paper = config.paper.model_copy(update={"linear": linear})
    bot = config.bots[0]
    assert bot.strategy is not None
    strategy = bot.strategy.model_copy(update={"sides": sides})
    bots = [bot.model_copy(update={"strategy": strategy})]
    return config.model_copy(update={"paper": paper, "bots": bots})


def run(config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, PaperLinearExchange]:
    made: list[Any] = []

    def spying(*args: Any, **kwargs: Any) -> Any:
        made.append(paper_exchange(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(backtest_venue, "paper_exchange", spying)
    result = runner.run_backtest_sync(config)
    assert isinstance(made[0], PaperLinearExchange)
    return result, made[0]


def test_a_short_only_trend_bot_opens_and_closes_shorts_with_exact_pnl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, venue = run(shorting("short"), monkeypatch)
    fills = result.fills
    entries = [f for f in fills if f.tag.startswith("entry")]
    closes = [f for f in fills if not f.tag.startswith("entry")]
    assert len(entries) >= 3 and len(closes) >= 3
    assert all(f.side is Side.SELL for f in entries)  # every entry opens a short
    assert all(f.side is Side.BUY for f in closes)  # every exit buys it back
    for f in fills:  # USDT fees at the linear rates
        rate = MAKER if f.liquidity is Liquidity.MAKER else TAKER
        assert (f.fee_asset, f.fee) == ("USDT", f.price * f.qty * rate)
    # the first short, by hand: its entry and the exits of the same position (tag number)
    first = entries[0]
    seq = first.tag.removeprefix("entry")
    exits = [f for f in closes if re.fullmatch(rf"(?:exit|stop|tp){seq}(?:\.\d+)?", f.tag)]
    assert sum((f.qty for f in exits), Decimal(0)) == first.qty
    by_hand = sum(((first.price - f.price) * f.qty - f.fee for f in exits), Decimal(0))
    by_hand -= first.fee
    trips = round_trips(fills)
    assert len(trips) == len(closes)
    first_trips = trips[: len(exits)]
    assert sum((t.pnl for t in first_trips), Decimal(0)) == by_hand
    assert all(t.entry == first.price for t in first_trips)
    # every position closed (the last exit may still rest if the run ends short: then not)
    position = venue.book.position("BTCUSDT")
    if not position.size:
        wallet = venue.balances_sync()["USDT"].total
        assert wallet == Decimal(10000) + sum((t.pnl for t in trips), Decimal(0))
    assert venue.liquidations == 0


def test_both_sides_trade_long_in_an_uptrend_and_short_in_a_downtrend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = run(shorting("both"), monkeypatch)
    entries = [f for f in result.fills if f.tag.startswith("entry")]
    assert {f.side for f in entries} == {Side.BUY, Side.SELL}
    long_only, _ = run(shorting("long"), monkeypatch)
    assert {f.side for f in long_only.fills if f.tag.startswith("entry")} == {Side.BUY}
