"""Spot fees in the base coin, over whole backtests of every spot example config.

A Bybit spot buy pays its fee in the base coin, so the account holds less than it bought. No
strategy may then try to sell base the account does not hold: every config in `configs/` runs
its bundled data with no order refused for an insufficient balance, every sell within the base
the bot's fills credited, and every buy charged 0.1 % of its quantity in base.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from traderagent.backtest.runner import run_backtest
from traderagent.config import load_config
from traderagent.domain import Order, OrderRequest, OrderStatus, Side
from traderagent.exchanges.paper import PaperExchange

CONFIGS = sorted(
    p.stem
    for p in Path("configs").glob("*.yaml")
    if (c := load_config(str(p))).mode == "paper" and c.paper.category == "spot"
)  # a linear config pays its fees in USDT (tests/unit/backtest/test_linear_*.py)
SPOT_RATE = Decimal("0.001")


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Order]]:
    """Every order the paper venue refuses during the test."""
    refused: list[Order] = []
    place = PaperExchange.place_order_sync

    def recording(self: PaperExchange, request: OrderRequest) -> Order:
        order = place(self, request)
        if order.status is OrderStatus.REJECTED:
            refused.append(order)
        return order

    monkeypatch.setattr(PaperExchange, "place_order_sync", recording)
    yield refused


def test_the_example_configs_are_all_covered() -> None:
    assert {"default", "dca", "trend", "router", "multi-bot"} <= set(CONFIGS)


@pytest.mark.parametrize("name", CONFIGS)
async def test_no_config_sells_base_it_does_not_hold(name: str, refusals: list[Order]) -> None:
    result = await run_backtest(load_config(f"configs/{name}.yaml"))
    assert result.fills, name
    short = [o for o in refusals if "insufficient" in o.reject_reason]
    assert short == [], f"{name}: {len(short)} orders refused for the balance: {short[:3]}"
    held: dict[str, Decimal] = {}
    for fill in result.fills:
        if fill.side is Side.BUY:
            assert (fill.fee_asset, fill.fee) == ("BTC", fill.qty * SPOT_RATE), fill
            held[fill.bot] = held.get(fill.bot, Decimal(0)) + fill.base_qty
        else:
            assert fill.fee_asset == "USDT", fill
            assert fill.qty <= held.get(fill.bot, Decimal(0)), f"{name}: {fill}"
            held[fill.bot] -= fill.qty
    assert result.summary is not None
    for bot in result.summary.bots:  # the engine's positions are the credited base
        assert bot.position_qty == held.get(bot.name, Decimal(0)), bot.name
