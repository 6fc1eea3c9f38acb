"""The paper venue's linear perpetuals inside the kernels: `LinearBook`'s admission, settlement,
funding and liquidation watch on the kernels' state, beside the spot venue of `venue.py`.

An order locks its margin (`opening lots x price / leverage`, the opening lots being what it
adds beyond closing the position) and the fee reserve (`lots x price x lock rate`); a fill moves
the one net position (`linear.trade`), its fee paid in quote whatever the side. The position is
also written where the spot kernels read the account (S_BFREE: the signed position in lots;
G_QTOT: the wallet less the position at its entry), so the equity `G_QTOT + S_BFREE x lot x
close` is the wallet plus the unrealised PnL at the close, and every spot figure holds.

What the kernels do not reproduce fails closed: the run stops with a reason in S_LFAIL, and
`run_fast` refuses it with `UnsupportedFast` (the engine backtest runs it): an order the
allocator or the venue would cut or refuse for want of margin (or so near that the engine's
Decimals might), a reduce-only order the venue would refuse or cut, a DCA's liquidation (the
grid kernel liquidates as the venue does: `linear_liquidation`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels.exact import dd_add, dd_mul, dd_mul_dd
from traderagent.backtest.kernels.layout import (
    BUY,
    G_L0,
    G_QTOT,
    O_LOTS,
    O_OPEN,
    O_RONLY,
    O_SIDE,
    O_TICKS,
    PF_L0,
    S_BFREE,
    S_BLOCK,
    S_LFAIL,
    S_QLOCK,
    S_QOPEN,
)
from traderagent.backtest.kernels.linear import (
    LC_CROSS,
    LC_ILEV_HI,
    LC_LOCK,
    LC_N,
    LC_UNIT_HI,
    LC_UNIT_LO,
    LP_AVG_HI,
    LP_AVG_LO,
    LP_CHARGES,
    LP_N,
    LP_SIZE,
    LP_WALLET_HI,
    LP_WALLET_LO,
    fill_fee,
    liquidation_ticks,
    position_margin,
    reached,
    settle_funding,
    trade,
)

FAIL_MARGIN = 1
FAIL_REDUCE = 2
FAIL_LIQUIDATION = 3
FAIL_HALT = 4
FAIL_REASONS = {
    FAIL_MARGIN: "an order would be cut or refused for want of margin (the allocator's budget "
    "or the venue's free balance)",
    FAIL_REDUCE: "a reduce-only order would be refused or cut by the venue",
    FAIL_LIQUIDATION: "the position reaches its liquidation price",
    FAIL_HALT: "the account's drawdown or daily-loss limit halts the bot",
}
"""Why a linear run stopped (S_LFAIL), for the refusal's message."""
TIGHT = 1e-9
"""Relative margin under which a figure counts as binding: the engine's Decimals might differ."""


@njit(cache=True, inline="always")
def constants(pf):  # type: ignore[no-untyped-def]
    return pf[PF_L0 : PF_L0 + LC_N]


@njit(cache=True, inline="always")
def position(g):  # type: ignore[no-untyped-def]
    return g[G_L0 : G_L0 + LP_N]


@njit(cache=True)
def wallet(g):  # type: ignore[no-untyped-def]
    lp = position(g)
    return lp[LP_WALLET_HI] + lp[LP_WALLET_LO]


@njit(cache=True)
def sync(s, g, pf):  # type: ignore[no-untyped-def]
    """Write the position where the spot figures read the account (see the module doc)."""
    lp, lc = position(g), constants(pf)
    size = lp[LP_SIZE]
    ch, cl = dd_mul(lp[LP_AVG_HI], lp[LP_AVG_LO], size)
    ch, cl = dd_mul_dd(ch, cl, lc[LC_UNIT_HI], lc[LC_UNIT_LO])
    wh, wl = dd_add(lp[LP_WALLET_HI], lp[LP_WALLET_LO], -ch, -cl)
    g[G_QTOT] = wh + wl
    s[S_BFREE], s[S_BLOCK] = np.int64(size), 0


@njit(cache=True)
def free(s, g, pf):  # type: ignore[no-untyped-def]
    """The wallet's free quote: less the position's margin and the orders' locks."""
    lp, lc = position(g), constants(pf)
    unit = lc[LC_UNIT_HI] + lc[LC_UNIT_LO]
    locks = (s[S_QOPEN] * lc[LC_ILEV_HI] + s[S_QLOCK] * lc[LC_LOCK]) * unit
    return wallet(g) - position_margin(lp, lc) - locks


@njit(cache=True)
def admit(s, g, pf, side, ticks, lots, reduce_only):  # type: ignore[no-untyped-def]
    """`LinearBook.place_order_sync`'s margin: lock it and return the lots the order opens,
    or -1 (S_LFAIL set) where the venue would refuse or cut it, or nearly."""
    lp, lc = position(g), constants(pf)
    size = lp[LP_SIZE]
    closable = max(-size if side == BUY else size, 0.0)
    if reduce_only and closable < lots:
        s[S_LFAIL] = FAIL_REDUCE
        return -1
    opening = np.int64(max(lots - closable, 0.0))
    unit = lc[LC_UNIT_HI] + lc[LC_UNIT_LO]
    lock = (opening * ticks * lc[LC_ILEV_HI] + lots * ticks * lc[LC_LOCK]) * unit
    if lock > free(s, g, pf) * (1.0 - TIGHT):
        s[S_LFAIL] = FAIL_MARGIN
        return -1
    s[S_QOPEN] += opening * ticks
    s[S_QLOCK] += lots * ticks
    return opening


@njit(cache=True, inline="always")
def unlock(s, o, i):  # type: ignore[no-untyped-def]
    s[S_QLOCK] -= o[i, O_TICKS] * o[i, O_LOTS]
    s[S_QOPEN] -= o[i, O_OPEN] * o[i, O_TICKS]


@njit(cache=True)
def settle(s, g, o, pf, i, ticks, taker):  # type: ignore[no-untyped-def]
    """`LinearBook._execute` of all of order i (already unlocked) at `ticks`: the position
    moves, the PnL it closes is realised, the fee paid in quote. Returns the fee."""
    lp, lc = position(g), constants(pf)
    lots, buy = o[i, O_LOTS], o[i, O_SIDE] == BUY
    if o[i, O_RONLY] == 1 and max(-lp[LP_SIZE] if buy else lp[LP_SIZE], 0.0) < lots:
        s[S_LFAIL] = FAIL_REDUCE  # the venue would cut it (or cancel it): not reproduced
    fh, fl = fill_fee(lc, ticks, lots, taker)
    trade(lp, lc, buy, lots, ticks, fh, fl)
    sync(s, g, pf)
    return fh + fl


@njit(cache=True)
def fund(s, g, pf, fts, ffac, paid, k, until, mark_ticks):  # type: ignore[no-untyped-def]
    """Settle the funding marks from the k-th up to `until` (ms) at the mark `mark_ticks`, as
    `PaperLinearExchange._settle_funding`, each charge's fee written to `paid` (left NaN for a
    mark nothing was charged at); the index of the next mark."""
    lp = position(g)
    while k < fts.shape[0] and fts[k] <= until:
        charges = lp[LP_CHARGES]
        fee = settle_funding(lp, mark_ticks, ffac[k, 0], ffac[k, 1])
        if lp[LP_CHARGES] > charges:
            paid[k] = fee
        k += 1
    sync(s, g, pf)
    return k


@njit(cache=True)
def liquidating(s, g, pf, low_ticks, high_ticks):  # type: ignore[no-untyped-def]
    """Whether a candle of these extremes (on the tick) reaches the position's liquidation
    price (`Liquidator.check`); sets S_LFAIL if so (the DCA kernel does not liquidate)."""
    lp, lc = position(g), constants(pf)
    if lp[LP_SIZE] == 0:
        return False
    extra = max(free(s, g, pf), 0.0) if lc[LC_CROSS] == 1.0 else 0.0
    liq = liquidation_ticks(lp, lc, extra)
    # a hair of slack: a touch the engine's Decimals might see counts
    slack = 1e-9 * max(liq, 1.0)
    hit = reached(lp, liq + slack if lp[LP_SIZE] > 0 else liq - slack, float(low_ticks))
    if lp[LP_SIZE] < 0:
        hit = reached(lp, liq - slack, float(high_ticks))
    if hit:
        s[S_LFAIL] = FAIL_LIQUIDATION
    return hit
