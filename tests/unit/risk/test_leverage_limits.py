"""Risk for leverage: limits in margin per bot (`max_position_margin`) and per account
(`max_margin_pct`), and in notional per account (`max_gross_notional`); figures by hand on a
BTCUSDT perpetual at 5x (margin = notional / 5)."""

from __future__ import annotations

from decimal import Decimal

from kit.factories import BTCUSDT

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import OrderType, PlaceOrder, Position, Purpose, Side
from traderagent.engine.risk import AccountView, BotBook, RiskGate, bot_book, review

D = Decimal
MARK = D(20000)
RICH = AccountView(equity=D(100_000), gross_exposure=D(0))


def sell(qty: str) -> PlaceOrder:
    return PlaceOrder("entry1", Side.SELL, D(qty), type=OrderType.MARKET, purpose=Purpose.ENTRY)


def buy(qty: str) -> PlaceOrder:
    return PlaceOrder("entry1", Side.BUY, D(qty), type=OrderType.MARKET, purpose=Purpose.ENTRY)


def short_book(qty: str = "-0.5", leverage: str = "5") -> BotBook:
    return bot_book(Position("BTCUSDT", D(qty), MARK), [], MARK, True, D(leverage))


def test_the_book_holds_its_exposure_over_the_leverage_as_margin() -> None:
    book = short_book()
    assert (book.exposure, book.leverage, book.margin) == (D(10000), D(5), D(2000))
    spot = bot_book(Position("BTCUSDT", D("0.5"), MARK), [], MARK)
    assert spot.margin == spot.exposure == D(10000)  # spot: no leverage, margin is the value


def test_a_bot_margin_limit_cuts_a_short_that_adds_beyond_it() -> None:
    """0.5 short at 20 000, 5x: margin 2 000; limit 2 500 leaves 500, i.e. 2 500 notional,
    0.125 BTC."""
    pair = PairRiskConfig(max_position_margin=D(2500))
    verdict = review(sell("0.3"), short_book(), RICH, BTCUSDT, pair)
    assert verdict.intent is not None and verdict.intent.qty == D("0.125")
    assert verdict.limit == "max_position_margin"
    assert "margin 2000.00 + 1200.00 USDT at 5x would exceed max_position_margin 2500" in (
        verdict.reason
    )
    assert review(sell("0.1"), short_book(), RICH, BTCUSDT, pair).intent == sell("0.1")  # 400
    full = review(sell("0.1"), short_book("-0.625"), RICH, BTCUSDT, pair)
    assert full.refused and full.limit == "max_position_margin"
    # the same notional at 10x holds half the margin: it passes
    assert review(sell("0.3"), short_book(leverage="10"), RICH, BTCUSDT, pair).intent == sell("0.3")


def test_a_reduce_only_close_passes_every_margin_limit() -> None:
    pair = PairRiskConfig(max_position_margin=D(1))
    cover = PlaceOrder("stop1", Side.BUY, D("0.5"), D(21000), OrderType.STOP_MARKET,
                       Purpose.STOP, True)  # fmt: skip
    portfolio = RiskConfig(max_margin_pct=D(1), max_gross_notional=D(1))
    assert review(cover, short_book(), RICH, BTCUSDT, pair, portfolio).intent == cover


def test_the_account_margin_is_a_share_of_the_equity() -> None:
    """Equity 10 000, max_margin_pct 20: ceiling 2 000; 1 500 held leaves 500, i.e. 2 500
    notional at 5x, 0.125 BTC."""
    portfolio = RiskConfig(max_margin_pct=D(20))
    account = AccountView(D(10000), D(7500), gross_margin=D(1500))
    book = short_book("0")
    verdict = review(buy("0.2"), book, account, BTCUSDT, None, portfolio)
    assert verdict.intent is not None and verdict.intent.qty == D("0.125")
    assert verdict.limit == "max_margin_pct"
    assert "account margin 1500.00 + 800.00 USDT would exceed max_margin_pct 20%" in (
        verdict.reason
    )
    full = AccountView(D(10000), D(10000), gross_margin=D(2000))
    assert review(buy("0.001"), book, full, BTCUSDT, None, portfolio).refused


def test_the_account_notional_is_capped_in_quote() -> None:
    portfolio = RiskConfig(max_gross_notional=D(10000))
    account = AccountView(D(100_000), D(9000))  # 1 000 left: 0.05 BTC
    verdict = review(sell("0.1"), short_book("0"), account, BTCUSDT, None, portfolio)
    assert verdict.intent is not None and verdict.intent.qty == D("0.05")
    assert verdict.limit == "max_gross_notional"
    assert "gross notional 9000.00 + 2000.00 USDT would exceed max_gross_notional 10000" in (
        verdict.reason
    )


class Account:
    """The shared account, counting how often the gate sums the bots' margin."""

    def __init__(self, margin: Decimal) -> None:
        self.equity = D(10000)
        self.gross_exposure = D(0)
        self.margin = margin
        self.margin_reads = 0

    @property
    def gross_margin(self) -> Decimal:
        self.margin_reads += 1
        return self.margin


def test_the_gate_sums_the_margin_only_when_it_is_limited() -> None:
    account = Account(D(1900))
    unlimited = RiskGate(BTCUSDT, None, RiskConfig(max_gross_notional=D(10**6)), account)
    assert unlimited.review(sell("0.1"), short_book("0")).intent == sell("0.1")
    assert account.margin_reads == 0
    limited = RiskGate(BTCUSDT, None, RiskConfig(max_margin_pct=D(20)), account)
    verdict = limited.review(sell("0.1"), short_book("0"))  # 100 left at 5x: 0.025 BTC
    assert account.margin_reads == 1
    assert verdict.intent is not None and verdict.intent.qty == D("0.025")


def test_an_account_limit_in_notional_or_margin_gives_every_bot_a_gate() -> None:
    assert not RiskConfig().limits_entries
    assert RiskConfig(max_margin_pct=D(50)).limits_entries
    assert RiskConfig(max_gross_notional=D(5000)).limits_entries
