"""A backtest on the paper venue's linear perpetuals: the same fills as spot for a long-only
bot (prices and times; sizes within the fee rules' difference: a spot buy pays its fee in BTC,
a perp's in USDT), fees in USDT at the linear
rates, funding in the equity, the venue's account agreeing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from traderagent.backtest import runner
from traderagent.backtest import venue as backtest_venue
from traderagent.backtest.result import BacktestResult
from traderagent.config import AppConfig, load_config
from traderagent.domain import Liquidity, Side
from traderagent.domain.events import EquityUpdated
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.wiring.venues import paper_exchange

START, END = datetime(2023, 3, 9, tzinfo=UTC), datetime(2023, 3, 11, tzinfo=UTC)


def linear(config: AppConfig, **settings: Any) -> AppConfig:
    paper = config.paper.model_copy(
        update={
            "category": "linear",
            "linear": config.paper.linear.model_copy(update=settings),
        }
    )
    return config.model_copy(update={"paper": paper})


def run(config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> tuple[BacktestResult, Any]:
    made: list[Any] = []
    build = paper_exchange

    def spying(*args: Any, **kwargs: Any) -> Any:
        made.append(build(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(backtest_venue, "paper_exchange", spying)
    return runner.run_backtest_sync(config, start=START, end=END), made[0]


@pytest.mark.parametrize("name", ["default", "dca"])
def test_a_long_only_bot_fills_the_same_on_perps_as_on_spot(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spot_config = load_config(f"configs/{name}.yaml")
    spot, _ = run(spot_config, monkeypatch)
    perp, venue = run(linear(spot_config, leverage=Decimal(5)), monkeypatch)
    assert isinstance(venue, PaperLinearExchange)
    assert perp.metrics.fills >= 5
    assert [(f.side, f.price, f.ts) for f in perp.fills] == [
        (f.side, f.price, f.ts) for f in spot.fills
    ]
    for p, s in zip(perp.fills, spot.fills, strict=True):  # sizes differ by the fee rules only
        assert abs(p.qty - s.qty) <= s.qty * Decimal("0.002")
    for fill in perp.fills:  # USDT fees at the linear rates (maker 0.02 %, taker 0.055 %)
        rate = Decimal("0.0002") if fill.liquidity is Liquidity.MAKER else Decimal("0.00055")
        assert (fill.fee_asset, fill.fee) == ("USDT", fill.price * fill.qty * rate)
    position = venue.book.position("BTCUSDT")
    assert position.side in (None, Side.BUY)  # long-only bots never go short
    last = Decimal(repr(float(perp.candles.close[-1])))
    wallet = venue.balances_sync()["USDT"].total
    assert abs(perp.metrics.final_equity - (wallet + position.unrealised(last))) < Decimal("1e-9")


def test_funding_is_paid_out_of_the_equity(monkeypatch: pytest.MonkeyPatch) -> None:
    config = linear(load_config("configs/default.yaml"), leverage=Decimal(5))
    free, _ = run(config, monkeypatch)
    funded, venue = run(
        config.model_copy(
            update={
                "paper": config.paper.model_copy(
                    update={
                        "linear": config.paper.linear.model_copy(
                            update={"funding_rate": Decimal("0.0001")}
                        )
                    }
                )
            }
        ),
        monkeypatch,
    )
    paid = sum((c.fee for c in venue.funding_charges), Decimal(0))
    assert len(venue.funding_charges) >= 3  # two days: six marks, a long held at most
    assert paid > 0  # a long pays a positive rate
    assert funded.metrics.final_equity == free.metrics.final_equity - paid
    assert venue.funding_skipped == 0 and venue.liquidations == 0


def test_the_fast_kernels_refuse_what_they_do_not_model_on_linear() -> None:
    """A linear grid or long DCA runs on the kernels (`test_kernel_vs_engine_linear`); the
    short DCA of the example (its stop loss a buy stop) is refused, saying why."""
    from traderagent.backtest.fast import run_fast_backtest
    from traderagent.backtest.inputs import BacktestError

    config = load_config("configs/dca-perp.yaml")
    with pytest.raises(BacktestError, match="short DCA on linear perpetuals"):
        run_fast_backtest(config, start=START, end=END)


def test_the_engines_equity_marks_the_perp_position_to_market(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine's equity (risk halts, header, summary) is the wallet plus the open position's
    unrealised PnL: after every candle it equals the backtest's marked-to-market curve."""
    seen: list[tuple[int, Decimal]] = []
    assemble = runner.assemble_engine

    async def spying(*args: Any, **kwargs: Any) -> Any:
        engine = await assemble(*args, **kwargs)
        engine.bus.subscribe(EquityUpdated, lambda e: seen.append((e.ts, e.equity)))
        return engine

    monkeypatch.setattr(runner, "assemble_engine", spying)
    config = linear(load_config("configs/dca.yaml"), leverage=Decimal(3))
    config = config.model_copy(update={"equity_interval_minutes": 1})
    result = runner.run_backtest_sync(config, start=START, end=END)
    engine = dict(seen)
    assert result.metrics.fills >= 5
    assert len(engine) >= len(result.equity)
    for ts, value in zip(
        result.equity.close_ts.tolist(), result.equity.values.tolist(), strict=True
    ):
        assert value == pytest.approx(float(engine[ts]), abs=1e-6)
    # the same figure; the venue's average entry is a 28-digit quotient, the curve's is not
    assert abs(result.equity.final - result.summary.final_equity) < Decimal("1e-12")
