"""Short and neutral grids and the short DCA through the engine on the paper venue's linear
perpetuals (bundled data, no funding): which side each order opens and closes, where each
close fills (one level from its open; the DCA's take profit below the average entry), and the
wallet against a hand-kept one-way book of the fills (realised PnL less USDT fees)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from traderagent.backtest import runner
from traderagent.backtest import venue as backtest_venue
from traderagent.config import AppConfig, load_config
from traderagent.domain import Fill, Liquidity, Side
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.wiring.venues import paper_exchange

D = Decimal
TAKER, MAKER = D("0.00055"), D("0.0002")
START, END = datetime(2023, 3, 8, tzinfo=UTC), datetime(2023, 3, 16, tzinfo=UTC)  # fall, rally


def example(name: str, **strategy: object) -> AppConfig:
    config = load_config(f"configs/{name}.yaml")
    linear = config.paper.linear.model_copy(update={"funding_rate": D(0), "funding_file": None})
    paper = config.paper.model_copy(update={"linear": linear})
    bot = config.bots[0]
    assert bot.strategy is not None
    bots = [bot.model_copy(update={"strategy": bot.strategy.model_copy(update=strategy)})]
    replay = config.replay.model_copy(update={"start": START, "end": END})
    return config.model_copy(update={"paper": paper, "bots": bots, "replay": replay})


def run(config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, PaperLinearExchange]:
    made: list[Any] = []

    def spying(*args: Any, **kwargs: Any) -> Any:
        made.append(paper_exchange(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(backtest_venue, "paper_exchange", spying)
    result = runner.run_backtest_sync(config)
    assert isinstance(made[0], PaperLinearExchange)
    return result, made[0]


def by_hand(fills: list[Fill]) -> tuple[Decimal, Decimal]:
    """(signed position, wallet change) of a one-way book kept by hand: a fill closes what it
    can of the other side at the average entry, opens the rest; each fill pays its fee."""
    qty, avg, wallet = D(0), D(0), D(0)
    for f in fills:
        rate = MAKER if f.liquidity is Liquidity.MAKER else TAKER
        assert (f.fee_asset, f.fee) == ("USDT", f.price * f.qty * rate)
        signed = f.qty if f.side is Side.BUY else -f.qty
        wallet -= f.fee
        if qty and (qty > 0) != (signed > 0):  # reduces
            closed = min(abs(signed), abs(qty))
            wallet += (f.price - avg) * closed * (1 if qty > 0 else -1)
            rest = abs(signed) - closed
            qty += closed if qty < 0 else -closed
            if rest:
                qty, avg = (rest if signed > 0 else -rest), f.price
            elif not qty:
                avg = D(0)
        else:
            avg = (avg * abs(qty) + f.price * abs(signed)) / (abs(qty) + abs(signed))
            qty += signed
    return qty, wallet


def check_book(fills: list[Fill], venue: PaperLinearExchange) -> None:
    """The venue's position and wallet (realised money only: margin is part of it) are the
    hand-kept book's."""
    qty, change = by_hand(fills)
    position = venue.book.position("BTCUSDT")
    assert qty == position.size * position.sign
    wallet = venue.balances_sync()["USDT"].total
    # an average entry of several prices is a 28-digit quotient here: equal to 1e-12 USDT
    assert abs(wallet - (D(10000) + change)) < D("1e-12")
    assert wallet != D(10000)
    assert venue.liquidations == 0


def check_cycles(fills: list[Fill], levels: list[Decimal]) -> int:
    """Each slot's fills alternate its two orders; a limit that follows the other side fills
    one level from it, at its quantity. Returns the slots' fills that did."""
    step, last, paired = levels[1] - levels[0], dict[int, Fill](), 0
    for f in fills:
        if f.tag[:1] not in ("b", "s") or not f.tag[1:].isdigit():
            continue
        slot = int(f.tag[1:])
        assert f.price == levels[slot if f.side is Side.BUY else slot + 1]
        before = last.get(slot)
        if before is not None and before.side is not f.side:
            assert abs(f.price - before.price) == step and f.qty == before.qty
            paired += 1
        last[slot] = f
    return paired


def test_a_neutral_grid_opens_longs_below_shorts_above_and_keeps_its_books(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, venue = run(example("grid-perp"), monkeypatch)
    fills = result.fills
    assert not any(f.tag == "seed" for f in fills)  # nothing opened at start
    start = fills[0].price  # the first fill is the first level the price reached
    sells_opening = [f for f in fills if f.tag.startswith("s") and f.price > start]
    assert sells_opening and any(f.side is Side.BUY for f in fills)
    levels = [D(19000) + 250 * k for k in range(41)]
    assert check_cycles(fills, levels) > 20  # a slot's buy at level k, its sell at k+1
    check_book(fills, venue)
    assert result.metrics.trades > 10


def test_a_short_grid_sells_first_and_only_ever_holds_a_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, venue = run(example("grid-perp", direction="short"), monkeypatch)
    fills = result.fills
    assert fills[0].tag == "seed" and fills[0].side is Side.SELL
    qty = D(0)
    for f in fills:
        qty += f.qty if f.side is Side.BUY else -f.qty
        assert qty <= 0  # a buy only ever buys a short back
    buys = [f for f in fills if f.side is Side.BUY]
    assert len(buys) > 10 and all(f.tag.startswith("b") for f in buys)
    assert check_cycles(fills, [D(19000) + 250 * k for k in range(41)]) > 10
    check_book(fills, venue)


def test_a_short_dca_takes_profit_below_its_average_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, venue = run(example("dca-perp"), monkeypatch)
    fills = result.fills
    opens = [f for f in fills if f.tag.startswith(("base", "so"))]
    closes = [f for f in fills if f.tag.startswith(("tp", "sl"))]
    assert all(f.side is Side.SELL for f in opens) and all(f.side is Side.BUY for f in closes)
    assert len([f for f in closes if f.tag.startswith("tp")]) >= 3
    cycle: list[Fill] = []
    for f in fills:
        if f.side is Side.SELL:
            cycle.append(f)
            continue
        if f.tag.startswith("tp"):
            # average entry of the cycle's sells less 1.2 %, down to the tick
            avg = sum((s.price * s.qty for s in cycle), D(0)) / sum((s.qty for s in cycle), D(0))
            target = avg * (100 - D("1.2")) / 100
            assert f.price == target.quantize(D("0.01"), rounding="ROUND_FLOOR") or (
                f.liquidity is Liquidity.TAKER and f.price <= target
            )
            assert f.qty == sum((s.qty for s in cycle), D(0))
        cycle = []
    check_book(fills, venue)
