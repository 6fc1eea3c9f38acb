"""The account's drawdown halt on linear perps counts the open position's unrealised PnL and
the funding paid: at the breach the engine's equity is the wallet (realised PnL, fees and
funding) plus the position marked to market, and the wallet alone had not fallen that far."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from traderagent.backtest import runner
from traderagent.backtest import venue as backtest_venue
from traderagent.config import load_config
from traderagent.config.risk import RiskConfig
from traderagent.domain.events import RiskBreached
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.wiring.venues import paper_exchange

START, END = datetime(2023, 3, 8, tzinfo=UTC), datetime(2023, 3, 11, tzinfo=UTC)
LIMIT = Decimal(1)


def test_the_drawdown_halt_counts_unrealised_pnl_and_funding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    venues: list[PaperLinearExchange] = []
    seen: list[dict[str, Decimal]] = []

    def venue(*args: Any, **kwargs: Any) -> Any:
        made = paper_exchange(*args, **kwargs)
        assert isinstance(made, PaperLinearExchange)
        venues.append(made)
        return made

    assemble = runner.assemble_engine  # type: ignore[attr-defined]

    async def spying(*args: Any, **kwargs: Any) -> Any:
        engine = await assemble(*args, **kwargs)

        def at_breach(event: RiskBreached) -> None:
            paper, watch = venues[0], engine.equity_watch
            assert watch is not None
            mark = Decimal(repr(paper.last_price("BTCUSDT")))
            seen.append(
                {
                    "equity": engine.equity,
                    "peak": watch.peak,
                    "wallet": paper.balances_sync()["USDT"].total,
                    "unrealised": paper.book.position("BTCUSDT").unrealised(mark),
                    "funding": sum((c.fee for c in paper.funding_charges), Decimal(0)),
                    "value": event.value,
                }
            )

        engine.bus.subscribe(RiskBreached, at_breach)
        return engine

    monkeypatch.setattr(backtest_venue, "paper_exchange", venue)
    monkeypatch.setattr(runner, "assemble_engine", spying)
    config = load_config("configs/dca.yaml")
    linear = config.paper.linear.model_copy(
        update={"leverage": Decimal(5), "funding_rate": Decimal("0.001")}
    )
    config = config.model_copy(
        update={
            "paper": config.paper.model_copy(update={"category": "linear", "linear": linear}),
            "risk": RiskConfig(max_drawdown_pct=LIMIT),
        }
    )
    runner.run_backtest_sync(config, start=START, end=END)
    assert seen, "the sell-off of 9-10 March breaches a 1 % drawdown"
    at = seen[0]
    assert at["equity"] == at["wallet"] + at["unrealised"]
    assert at["unrealised"] < 0 and at["funding"] > 0  # a long paid funding and is under water
    assert (at["peak"] - at["equity"]) / at["peak"] * 100 >= LIMIT
    assert at["value"] >= LIMIT
    assert (at["peak"] - at["wallet"]) / at["peak"] * 100 < LIMIT  # the wallet alone: no halt
