"""The per-bot gate: the stop loss, and the account it reads gross exposure from."""

from __future__ import annotations

from decimal import Decimal

from kit.factories import BTCUSDT

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import PlaceOrder, Side
from traderagent.engine.risk import BotBook, RiskGate

D = Decimal


class Account:
    """The shared account, counting how often the gate sums its gross exposure."""

    def __init__(self, equity: Decimal, gross: Decimal) -> None:
        self.equity = equity
        self.gross = gross
        self.reads = 0

    @property
    def gross_exposure(self) -> Decimal:
        self.reads += 1
        return self.gross

    @property
    def gross_margin(self) -> Decimal:
        return self.gross


def gate(pair: PairRiskConfig | None, portfolio: RiskConfig, account: Account) -> RiskGate:
    return RiskGate(BTCUSDT, pair, portfolio, account)


def test_stop_loss_fires_at_the_configured_fall_below_the_average_entry() -> None:
    stop = gate(PairRiskConfig(stop_loss_pct=D(5)), RiskConfig(), Account(D(10000), D(0)))
    held = BotBook(D("19000.01"), position_qty=D("0.1"), avg_price=D(20000))
    assert stop.stop_loss(held) is None  # 4.99995 % down
    breach = stop.stop_loss(BotBook(D(19000), position_qty=D("0.1"), avg_price=D(20000)))
    assert breach is not None
    assert (breach.scope, breach.limit, breach.value, breach.threshold) == (
        "pair",
        "stop_loss_pct",
        D(5),
        D(5),
    )
    assert breach.reason == (
        "stop loss: BTCUSDT at 19000 is 5.00% below the average entry 20000.00 (stop_loss_pct 5%)"
    )


def test_no_stop_loss_without_a_position_or_for_dust() -> None:
    stop = gate(PairRiskConfig(stop_loss_pct=D(1)), RiskConfig(), Account(D(10000), D(0)))
    assert stop.stop_loss(BotBook(D(10000))) is None
    dust = BotBook(D(10000), position_qty=D("0.00004"), avg_price=D(20000))  # below min qty
    assert stop.stop_loss(dust) is None
    assert gate(None, RiskConfig(), Account(D(1), D(0))).stop_loss(dust) is None


def test_the_gate_sums_the_account_only_when_gross_exposure_is_limited() -> None:
    intent = PlaceOrder("b", Side.BUY, D("0.1"), D(20000))
    account = Account(D(10000), D(9000))
    unlimited = gate(PairRiskConfig(max_order_notional=D(5000)), RiskConfig(), account)
    assert unlimited.review(intent, BotBook(D(20000))).intent is intent
    assert account.reads == 0
    limited = gate(None, RiskConfig(max_gross_exposure_pct=D(100)), account)
    verdict = limited.review(intent, BotBook(D(20000)))
    assert account.reads == 1
    assert verdict.intent is not None and verdict.intent.qty == D("0.05")
