"""`paper.linear.funding_file: bundled`: the fixed-rate funding file shipped with the bundled
candles (0.01 % every 8 h, not real data) charges a linear backtest at every mark a position
is open, with the amounts the README's rule gives."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from traderagent.backtest import runner
from traderagent.backtest import venue as backtest_venue
from traderagent.config import load_config
from traderagent.domain import Side
from traderagent.exchanges.paper.linear import read_funding_file
from traderagent.marketdata.bundled import BUNDLED_FUNDING, bundled_path
from traderagent.wiring.venues import paper_exchange

START, END = datetime(2023, 3, 1, tzinfo=UTC), datetime(2023, 3, 22, tzinfo=UTC)
EIGHT_HOURS, MINUTE = 8 * 3_600_000, 60_000


def test_the_bundled_file_is_a_documented_fixed_rate_over_the_bundled_weeks() -> None:
    path = bundled_path(BUNDLED_FUNDING)
    assert path.read_text().startswith("# NOT REAL DATA")
    rates = read_funding_file(path)
    first, last = int(START.timestamp() * 1000), int(END.timestamp() * 1000)
    marks = range(first, last + 1, EIGHT_HOURS)
    assert len(marks) == 64  # 21 days x 3, and the close of the last candle
    assert {rates.rate("BTCUSDT", t) for t in marks} == {Decimal("0.0001")}
    assert rates.rate("BTCUSDT", first - 1) is None  # nothing before the bundled weeks


def test_a_linear_backtest_on_the_bundled_data_pays_the_bundled_funding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config("configs/dca.yaml")
    linear = config.paper.linear.model_copy(
        update={"funding_file": "bundled", "leverage": Decimal(5)}
    )
    paper = config.paper.model_copy(update={"category": "linear", "linear": linear})
    made: list[Any] = []

    def spying(*args: Any, **kwargs: Any) -> Any:
        made.append(paper_exchange(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(backtest_venue, "paper_exchange", spying)
    result = runner.run_backtest_sync(
        config.model_copy(update={"paper": paper}), start=START, end=END
    )
    venue = made[0]
    charges = venue.funding_charges
    assert venue.funding_skipped == 0  # the file covers every mark of the run

    # expected: every mark within the run at which the fills so far leave a position open
    candles = result.candles
    closes = dict(zip(candles.ts.tolist(), candles.close.tolist(), strict=True))
    first, end = int(candles.ts[0]), int(candles.ts[-1]) + MINUTE
    due = []
    for mark in range(first // EIGHT_HOURS * EIGHT_HOURS, end + 1, EIGHT_HOURS):
        if mark < first:
            continue
        size = sum(
            (f.qty if f.side is Side.BUY else -f.qty for f in result.fills if f.ts < mark),
            Decimal(0),
        )
        if size:
            due.append((mark, size))
    assert 50 <= len(due) <= 64
    assert [(c.ts, c.size) for c in charges] == due
    for charge in charges:  # size x the close before the mark x 0.01 %, to 8 decimals
        mark_price = Decimal(repr(closes[charge.ts - MINUTE]))
        assert (charge.side, charge.mark, charge.rate) == (Side.BUY, mark_price, Decimal("0.0001"))
        assert charge.fee == (charge.size * mark_price * charge.rate).quantize(Decimal("1e-8"))

    # by hand: 0.008442 BTC bought at 05:21 and held at 08:00; the 07:59 candle closed at
    # 23708.02; 0.008442 x 23708.02 = 200.14310484 USDT, x 0.0001 = 0.020014310484 -> 0.02001431
    first_charge = charges[0]
    assert first_charge.ts == int(datetime(2023, 3, 1, 8, tzinfo=UTC).timestamp() * 1000)
    assert (first_charge.size, first_charge.mark) == (Decimal("0.008442"), Decimal("23708.02"))
    assert first_charge.fee == Decimal("0.02001431")
