"""One net position of a USDT linear perpetual (one-way mode), and its margin arithmetic.

The figures follow Bybit's help centre, "Liquidation Price Calculation under Isolated Mode
(Unified Trading Account)", USDT perpetual (help-center/article/Liquidation-Price-Calculation-
under-Isolated-Mode-Unified-Trading-Account, the 2024 text): Liquidation Price (Long) = Entry
Price - [(Initial Margin - Maintenance Margin) / Position Size] - (Extra Margin Added / Position
Size), with the first risk-limit tier's maintenance margin rate (MMR), whose deduction is 0. The
estimated fee to close, which the newer text adds to both margins, is left out: a liquidation
here charges no fee (`liquidation`).

    initial margin      IM = size x entry / leverage
    maintenance margin  MM = size x entry x MMR
    bankruptcy price    long:  entry - (IM + extra) / size
                        short: entry + (IM + extra) / size
    liquidation price   long:  entry - (IM - MM + extra) / size
                        short: entry + (IM - MM + extra) / size

`extra` is margin beyond the initial one the position may lose: 0 in isolated margin, the
wallet's free balance of the settle coin in cross margin (the position may draw on all of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO, Side

DEFAULT_LEVERAGE = Decimal(10)
DEFAULT_MMR = Decimal("0.005")
"""Maintenance margin rate of the first risk-limit tier of BTCUSDT (0.5 %)."""


@dataclass(slots=True)
class LinearPosition:
    """The net position of one symbol. `side` is None when flat."""

    symbol: str
    leverage: Decimal = DEFAULT_LEVERAGE
    side: Side | None = None
    size: Decimal = ZERO
    avg_price: Decimal = ZERO
    margin: Decimal = ZERO  # the initial margin held for it in the wallet
    cur_realised: Decimal = ZERO
    cum_realised: Decimal = ZERO
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0
    mmr: Decimal = DEFAULT_MMR

    @property
    def sign(self) -> int:
        """+1 long, -1 short, 0 flat."""
        return 0 if self.side is None else (1 if self.side is Side.BUY else -1)

    @property
    def value(self) -> Decimal:
        """Position value at entry: size x average entry price."""
        return self.size * self.avg_price

    @property
    def maintenance(self) -> Decimal:
        """MM = size x entry x MMR."""
        return self.value * self.mmr

    def closable_by(self, side: Side) -> Decimal:
        """How much an order of `side` would close (the size, if it is the opposite side)."""
        return self.size if self.side is side.opposite else ZERO

    def unrealised(self, mark: Decimal) -> Decimal:
        if self.side is None:
            return ZERO
        return (mark - self.avg_price) * self.size * self.sign

    def bankruptcy_price(self, extra: Decimal = ZERO) -> Decimal | None:
        """Where the position has lost its margin (and `extra`); None when flat."""
        if not self.size:
            return None
        return self.avg_price - self.sign * (self.margin + extra) / self.size

    def liquidation_price(self, extra: Decimal = ZERO) -> Decimal | None:
        """Where what is left of the margin (and `extra`) is the maintenance margin; None when
        flat. Never below zero for a long (a long at leverage 1 cannot be liquidated)."""
        if not self.size:
            return None
        price = self.avg_price - self.sign * (self.margin - self.maintenance + extra) / self.size
        return max(price, ZERO)

    def trade(self, side: Side, qty: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
        """Apply a fill; return (closed size, realised PnL before fees)."""
        closed = min(qty, self.closable_by(side))
        pnl = ZERO
        if closed:
            pnl = (price - self.avg_price) * closed * self.sign
            self.size -= closed
        opened = qty - closed
        if opened:
            if self.size == 0:
                self.side, self.avg_price, self.cur_realised = side, price, ZERO
            self.avg_price = (self.avg_price * self.size + price * opened) / (self.size + opened)
            self.size += opened
        if self.size == 0:
            self.side, self.avg_price = None, ZERO
        return closed, pnl
