"""One USDT linear perpetual position inside the kernels: `exchanges.paper.linear` settled on
ticks and lots, fill for fill as `LinearPosition`, `LinearBook.book_fill`, `funding_fee` and the
liquidation price compute it.

The position is signed whole lots; its average entry is a double-double count of ticks (the
venue's is a 28-digit Decimal quotient: about the same precision), so a realised PnL is exact
to far below a cent. The wallet (every realised PnL less every fee and funding charge) is a
double-double amount of quote, the fees and funding totals compensated sums.

`lc` holds a run's linear constants (LC_*), `lp` the position and wallet (LP_*): flat float64
arrays, as the rest of the kernels keep their state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from traderagent.backtest.kernels.exact import dd_add, dd_div, dd_mul, dd_mul_dd, two_sum

# -- lc: constants of a linear run --------------------------------------------------------------
LC_UNIT_HI = 0  # tick x lot: quote per tick per lot (double-double)
LC_UNIT_LO = 1
LC_ILEV_HI = 2  # 1 / leverage (double-double): the initial margin per unit of notional
LC_ILEV_LO = 3
LC_MMR = 4  # maintenance margin rate
LC_MAKER_HI = 5  # tick x lot x maker rate: a maker fill's fee per tick x lot (double-double)
LC_MAKER_LO = 6
LC_TAKER_HI = 7
LC_TAKER_LO = 8
LC_CROSS = 9  # 1: cross margin (a position may lose the free balance too), 0: isolated
LC_LOCK = 10  # the fee rate an order reserves on its notional (the worst of maker and taker)
LC_LONG_ONLY = 11  # 1: every sell is reduce-only (`paper.linear.long_only`)
LC_LEV_NUM = 12  # the leverage as a fraction of integers (a bankruptcy price decided exactly)
LC_LEV_DEN = 13
LC_N = 14

# -- lp: the position and the wallet ------------------------------------------------------------
LP_SIZE = 0  # signed lots: > 0 long, < 0 short
LP_AVG_HI = 1  # average entry, ticks (double-double); 0 when flat
LP_AVG_LO = 2
LP_WALLET_HI = 3  # the wallet's quote: the opening balance plus realised PnL less fees, funding
LP_WALLET_LO = 4
LP_FEES = 5  # trading fees paid, quote (compensated sum)
LP_FEES_C = 6
LP_FUNDING = 7  # funding paid (negative: received), quote (compensated sum)
LP_FUNDING_C = 8
LP_CHARGES = 9  # funding settlements made
LP_SKIPPED = 10  # funding marks without a rate: not settled (the venue logs and counts them)
LP_EXACT = 11  # 1 while the average entry is a whole tick exactly (the venue's Decimal too)
LP_N = 12
EXACT = 2.0**53  # integers below it are exact in a float

FUNDING_STEPS = 1e8  # a funding fee is rounded to 8 decimals: whole 1e-8 of quote


@njit(cache=True)
def new_position(wallet_hi, wallet_lo):  # type: ignore[no-untyped-def]
    """A flat position on a wallet of (wallet_hi + wallet_lo) quote."""
    lp = np.zeros(LP_N, np.float64)
    lp[LP_WALLET_HI], lp[LP_WALLET_LO] = wallet_hi, wallet_lo
    return lp


@njit(cache=True, inline="always")
def credit(lp, hi, lo):  # type: ignore[no-untyped-def]
    lp[LP_WALLET_HI], lp[LP_WALLET_LO] = dd_add(lp[LP_WALLET_HI], lp[LP_WALLET_LO], hi, lo)


@njit(cache=True)
def fill_fee(lc, ticks, lots, taker):  # type: ignore[no-untyped-def]
    """`FeeRules.fee` of a linear fill, in quote: qty x price x rate (double-double)."""
    if taker:
        return dd_mul(lc[LC_TAKER_HI], lc[LC_TAKER_LO], float(ticks * lots))
    return dd_mul(lc[LC_MAKER_HI], lc[LC_MAKER_LO], float(ticks * lots))


@njit(cache=True)
def trade(lp, lc, buy, lots, ticks, fee_hi, fee_lo):  # type: ignore[no-untyped-def]
    """`LinearBook.book_fill`: move the position by a fill of `lots` at `ticks` (a buy if
    `buy`), realise the PnL of what it closes and credit it less the fee. Returns (closed lots,
    realised PnL before the fee, in quote)."""
    size = lp[LP_SIZE]
    sign = 1.0 if size > 0 else -1.0
    closable = -size if buy else size  # what a buy closes of a short, a sell of a long
    closed = min(float(lots), closable) if closable > 0 else 0.0
    pnl = 0.0
    if closed > 0:
        # (price - avg) x closed x sign, in ticks x lots, then in quote
        dh, dl = dd_add(float(ticks), 0.0, -lp[LP_AVG_HI], -lp[LP_AVG_LO])
        uh, ul = dd_mul(dh, dl, closed * sign)
        ph, pl = dd_mul_dd(uh, ul, lc[LC_UNIT_HI], lc[LC_UNIT_LO])
        credit(lp, ph, pl)
        pnl = ph + pl
        size -= closed * sign
    opened = lots - closed
    if opened > 0:
        held = abs(size)
        # a whole-tick average stays one when the new cost divides by the new size exactly
        cost = lp[LP_AVG_HI] * held + float(ticks) * opened
        whole = (held == 0 or lp[LP_EXACT] == 1.0) and cost < EXACT
        whole = whole and cost % (held + opened) == 0
        ch, cl = dd_mul(lp[LP_AVG_HI], lp[LP_AVG_LO], held)
        ch, cl = dd_add(ch, cl, float(ticks) * opened, 0.0)
        lp[LP_AVG_HI], lp[LP_AVG_LO] = dd_div(ch, cl, held + opened)
        if whole:
            lp[LP_AVG_HI], lp[LP_AVG_LO] = cost // (held + opened), 0.0
        lp[LP_EXACT] = 1.0 if whole else 0.0
        size += opened if buy else -opened
    if size == 0:
        lp[LP_AVG_HI], lp[LP_AVG_LO], lp[LP_EXACT] = 0.0, 0.0, 0.0
    lp[LP_SIZE] = size
    credit(lp, -fee_hi, -fee_lo)
    total, err = two_sum(lp[LP_FEES], fee_hi + fee_lo)
    lp[LP_FEES], lp[LP_FEES_C] = total, lp[LP_FEES_C] + err
    return closed, pnl


@njit(cache=True)
def position_margin(lp, lc):  # type: ignore[no-untyped-def]
    """The position's initial margin, size x avg / leverage, in quote."""
    vh, vl = dd_mul(lp[LP_AVG_HI], lp[LP_AVG_LO], abs(lp[LP_SIZE]))
    vh, vl = dd_mul_dd(vh, vl, lc[LC_UNIT_HI], lc[LC_UNIT_LO])
    mh, ml = dd_mul_dd(vh, vl, lc[LC_ILEV_HI], lc[LC_ILEV_LO])
    return mh + ml


@njit(cache=True)
def unrealised(lp, lc, ticks):  # type: ignore[no-untyped-def]
    """`LinearPosition.unrealised` at a mark of `ticks`, in quote."""
    size = lp[LP_SIZE]
    if size == 0:
        return 0.0
    dh, dl = dd_add(float(ticks), 0.0, -lp[LP_AVG_HI], -lp[LP_AVG_LO])
    uh, ul = dd_mul(dh, dl, size)
    ph, pl = dd_mul_dd(uh, ul, lc[LC_UNIT_HI], lc[LC_UNIT_LO])
    return ph + pl


@njit(cache=True)
def liquidation_ticks(lp, lc, extra):  # type: ignore[no-untyped-def]
    """`LinearPosition.liquidation_price(extra)` in ticks (NaN when flat): where the margin
    left (and `extra` quote) is the maintenance margin. Never below zero for a long."""
    size = lp[LP_SIZE]
    if size == 0:
        return np.nan
    held = abs(size)
    avg = lp[LP_AVG_HI] + lp[LP_AVG_LO]
    unit = lc[LC_UNIT_HI] + lc[LC_UNIT_LO]
    im = position_margin(lp, lc)
    mm = held * avg * unit * lc[LC_MMR]
    move = (im - mm + extra) / (held * unit)
    price = avg - move if size > 0 else avg + move
    return max(price, 0.0)


@njit(cache=True, inline="always")
def reached(lp, liq, ticks):  # type: ignore[no-untyped-def]
    """Whether a market at `ticks` has reached the position's liquidation price (a touch
    counts): a long's from above, a short's from below."""
    if liq != liq:
        return False
    return ticks <= liq if lp[LP_SIZE] > 0 else ticks >= liq


@njit(cache=True)
def round_half_even(hi, lo):  # type: ignore[no-untyped-def]
    """hi + lo rounded to the nearest integer, a tie to the even one (Decimal.quantize)."""
    k = math.floor(hi)
    fh, fl = two_sum(hi - k, lo)  # hi - k is exact: hi and k are within one of each other
    frac = fh + fl
    while frac >= 1.0:
        k, frac = k + 1, frac - 1.0
    while frac < 0.0:
        k, frac = k - 1, frac + 1.0
    if frac > 0.5 or (frac == 0.5 and k % 2 == 1):
        k += 1
    return k


@njit(cache=True)
def funding_fee(lp, mark_ticks, factor_hi, factor_lo):  # type: ignore[no-untyped-def]
    """`funding_fee`: what the position pays at a funding mark at `mark_ticks` (negative:
    receives), in quote, rounded to 8 decimals; `factor` is tick x lot x rate x 1e8, the fee
    in 1e-8 of quote per tick x lot of a long."""
    size = lp[LP_SIZE]
    h, lo = dd_mul(factor_hi, factor_lo, float(mark_ticks) * size)
    return round_half_even(h, lo) / FUNDING_STEPS


@njit(cache=True)
def settle_funding(lp, mark_ticks, factor_hi, factor_lo):  # type: ignore[no-untyped-def]
    """`charge_funding`: charge (or pay) the funding of a held position at a mark; returns the
    fee (0 when flat). A NaN factor is a mark the data has no rate for: skipped, counted."""
    if lp[LP_SIZE] == 0:
        return 0.0
    if factor_hi != factor_hi:
        lp[LP_SKIPPED] += 1
        return 0.0
    fee = funding_fee(lp, mark_ticks, factor_hi, factor_lo)
    credit(lp, -fee, 0.0)
    total, err = two_sum(lp[LP_FUNDING], fee)
    lp[LP_FUNDING], lp[LP_FUNDING_C] = total, lp[LP_FUNDING_C] + err
    lp[LP_CHARGES] += 1
    return fee
