"""One bot's risk gate: where its intents meet the trade, pair and portfolio limits.

The bot asks the gate before the capital allocator sizes a buy; the gate also watches the
bot's stop loss each candle. It reads the shared account through `RiskAccount` only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import ZERO, Instrument, PlaceOrder
from traderagent.engine.risk.breach import Breach
from traderagent.engine.risk.exposure import AccountView, BotBook
from traderagent.engine.risk.limits import Verdict, review

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class RiskAccount(Protocol):
    """The shared account as the gate sees it (the engine implements it)."""

    @property
    def equity(self) -> Decimal: ...

    @property
    def gross_exposure(self) -> Decimal:
        """Sum of every bot's exposure: positions at the mark plus resting buys."""
        ...

    @property
    def gross_margin(self) -> Decimal:
        """Sum of every bot's margin: its exposure over its symbol's leverage."""
        ...


class RiskGate:
    def __init__(
        self,
        instrument: Instrument,
        pair: PairRiskConfig | None,
        portfolio: RiskConfig,
        account: RiskAccount,
    ) -> None:
        self.instrument = instrument
        self.pair = pair
        self.portfolio = portfolio
        self.account = account

    def review(self, intent: PlaceOrder, book: BotBook) -> Verdict:
        """Pass, cut or refuse an intent of the bot whose book is `book`."""
        portfolio = self.portfolio
        gross = (
            self.account.gross_exposure
            if portfolio.max_gross_exposure_pct is not None
            or portfolio.max_gross_notional is not None
            else book.exposure  # unused: not summed
        )
        margin = self.account.gross_margin if portfolio.max_margin_pct is not None else ZERO
        view = AccountView(self.account.equity, gross, margin)
        return review(intent, book, view, self.instrument, self.pair, self.portfolio)

    def stop_level(self, position_qty: Decimal, avg_price: Decimal) -> Decimal | None:
        """The mark at or below which `stop_loss` may breach for this position; None when
        it cannot (no stop configured, nothing to sell)."""
        pct = self.pair.stop_loss_pct if self.pair is not None else None
        if pct is None or avg_price <= 0 or self.instrument.floor_qty(position_qty) <= 0:
            return None
        return avg_price * (HUNDRED - pct) / HUNDRED

    def stop_loss(self, book: BotBook) -> Breach | None:
        """The stop-loss breach when the mark is `stop_loss_pct` or more below the average
        entry of a position big enough to sell (above it for a short: a signed book); None
        otherwise."""
        pct = self.pair.stop_loss_pct if self.pair is not None else None
        if pct is None or book.avg_price <= 0 or book.mark <= 0:
            return None
        short = book.position_qty < 0
        qty = self.instrument.floor_qty(-book.position_qty if short else book.position_qty)
        if qty <= 0 or self.instrument.check_order(self.instrument.round_price(book.mark), qty):
            return None
        fall = (book.avg_price - book.mark) / book.avg_price * HUNDRED
        if short:
            fall = -fall  # a short loses as the price rises
        if fall < pct:
            return None
        where = "above" if short else "below"
        return Breach(
            "pair",
            "stop_loss_pct",
            fall,
            pct,
            f"stop loss: {self.instrument.symbol} at {book.mark} is {fall.quantize(CENT)}% "
            f"{where} the average entry {book.avg_price.quantize(CENT)} (stop_loss_pct {pct}%)",
        )
