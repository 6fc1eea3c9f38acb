"""A liquidation inside the kernels, as `exchanges.paper.linear.liquidation.Liquidator` does it.

The position as held at a candle's open is liquidated if the candle's adverse extreme (on the
tick) reaches its liquidation price: at the open on a gap, else at the extreme's path point
(the nearer extreme at point 1, the farther at 2, by the venue's own reading of the candle). A
position a fill changed is checked again along the rest of the walk's path, from the point of
its last fill. Then every order of the bot is cancelled, and the whole position is closed at
its bankruptcy price, on the tick in the trader's favour, without a fee: a fill of a market
order tagged `TAG_LIQ` (the engine's `<bot>-liq<n>`, tag "liquidation"), queued for the bot
like any fill (its queue entry says `BUST`: taker, no fee) and counted among the orders, as
the engine's journal counts the venue's order.

Where float arithmetic cannot tell what the venue's Decimals decide (a price a hair from the
liquidation price, a bankruptcy price a hair from a tick and not decided exactly by
`exact_bust`) the run stops with FAIL_LIQUIDATION and the fast backtest refuses it: never a
guess.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from traderagent.backtest.kernels.bot import bot_cancel
from traderagent.backtest.kernels.layout import (
    BUY,
    F_BFEE,
    F_CANDLE,
    F_LOTS,
    F_SIDE,
    F_TAG,
    F_TAKER,
    F_TICKS,
    F_TS,
    O_BOT,
    O_MARKET,
    O_VENUE,
    Q_ID,
    Q_TAKER,
    Q_TS,
    S_FILLS,
    S_HWM,
    S_I,
    S_LFAIL,
    S_PENDING,
    S_PLACED,
    S_QN,
    SELL,
    TAG_LIQ,
)
from traderagent.backtest.kernels.linear import (
    EXACT,
    LC_CROSS,
    LC_LEV_DEN,
    LC_LEV_NUM,
    LC_MMR,
    LC_UNIT_HI,
    LC_UNIT_LO,
    LP_AVG_HI,
    LP_AVG_LO,
    LP_EXACT,
    LP_SIZE,
    liquidation_ticks,
    position_margin,
    trade,
)
from traderagent.backtest.kernels.linear_venue import (
    FAIL_LIQUIDATION,
    constants,
    free,
    position,
    sync,
)
from traderagent.backtest.kernels.venue import new_order

BUST = 2
"""Q_TAKER of a liquidation's fill: taker liquidity, no fee (a BustTrade)."""
ROUNDING = 1e-10
"""A bound on the relative error of the float margins a liquidation or bankruptcy price is
made of (a double's 1e-16, compounded over a run's fills, with room to spare): within it a
touch, or a bankruptcy price's tick, is not decided."""


@njit(cache=True)
def extra_margin(s, g, pf):  # type: ignore[no-untyped-def]
    """`LinearBook.extra_margin`: the free quote in cross margin, nothing in isolated."""
    return max(free(s, g, pf), 0.0) if constants(pf)[LC_CROSS] == 1.0 else 0.0


@njit(cache=True)
def doubt(lp, lc, extra):  # type: ignore[no-untyped-def]
    """How many ticks the position's liquidation (or bankruptcy) price may be off the venue's:
    the float error of its margins spread over the size, and of its average entry."""
    unit = lc[LC_UNIT_HI] + lc[LC_UNIT_LO]
    margins = position_margin(lp, lc) * (1.0 + lc[LC_MMR]) + abs(extra) + 1e-6
    return ROUNDING * (margins / (abs(lp[LP_SIZE]) * unit) + lp[LP_AVG_HI])


@njit(cache=True)
def reach(lp, liq, ticks, slack):  # type: ignore[no-untyped-def]
    """1 if a market at `ticks` reaches the liquidation price `liq` (a touch counts: a long's
    from above, a short's from below), 0 if not, -1 if within `slack` ticks: not decided."""
    if liq != liq:
        return 0
    gap = liq - ticks if lp[LP_SIZE] > 0 else ticks - liq
    if abs(gap) <= slack:
        return -1
    return 1 if gap > 0 else 0


@njit(cache=True)
def at_open(st, pf, op_ticks, low_ticks, high_ticks, ts0, step):  # type: ignore[no-untyped-def]
    """`Liquidator.check`: the time (ms) the candle liquidates the position held at its open,
    -1 if it does not, -2 if the kernel cannot tell (S_LFAIL set)."""
    s, g = st[0], st[1]
    lp = position(g)
    if lp[LP_SIZE] == 0:
        return -1
    lc, extra = constants(pf), extra_margin(s, g, pf)
    liq, slack = liquidation_ticks(lp, lc, extra), doubt(lp, lc, extra)
    long = lp[LP_SIZE] > 0
    hit = reach(lp, liq, float(low_ticks if long else high_ticks), slack)
    if hit == 0:
        return -1
    gap = reach(lp, liq, float(op_ticks), slack)
    if hit < 0 or gap < 0:
        s[S_LFAIL] = FAIL_LIQUIDATION
        return -2
    if gap == 1:
        return ts0
    if long:
        nearer = op_ticks - low_ticks <= high_ticks - op_ticks
    else:
        nearer = high_ticks - op_ticks <= op_ticks - low_ticks
    return ts0 + (1 if nearer else 2) * step // 3


@njit(cache=True)
def on_rest(st, pf, path, k0, ts0, step):  # type: ignore[no-untyped-def]
    """`Liquidator.check_rest`: the time (ms) the walk's `path` from point `k0` (its last
    fill's) liquidates the position, -1 if it does not, -2 if the kernel cannot tell."""
    s, g = st[0], st[1]
    lp = position(g)
    if lp[LP_SIZE] == 0:
        return -1
    lc, extra = constants(pf), extra_margin(s, g, pf)
    liq, slack = liquidation_ticks(lp, lc, extra), doubt(lp, lc, extra)
    for k in range(k0, 4):
        hit = reach(lp, liq, float(path[k]), slack)
        if hit < 0:
            s[S_LFAIL] = FAIL_LIQUIDATION
            return -2
        if hit == 1:
            return ts0 + k * step // 3
    return -1


@njit(cache=True)
def bust_ticks(lp, lc, extra):  # type: ignore[no-untyped-def]
    """`LinearPosition.bankruptcy_price(extra)` in ticks (not rounded): where the position has
    lost its margin and `extra`."""
    size = lp[LP_SIZE]
    move = (position_margin(lp, lc) + extra) / (abs(size) * (lc[LC_UNIT_HI] + lc[LC_UNIT_LO]))
    avg = lp[LP_AVG_HI] + lp[LP_AVG_LO]
    return avg - move if size > 0 else avg + move


@njit(cache=True)
def exact_bust(lp, lc, extra):  # type: ignore[no-untyped-def]
    """The bankruptcy price in whole ticks when it is one exactly, decided in integers: an
    isolated position (nothing extra) on a whole-tick average `a` at leverage n/d goes
    bankrupt at a x (n -+ d) / n (its margin is size x a x d / n), which the venue's Decimals
    then hold exactly. -1 when that cannot be decided here (the run stops)."""
    num, den = lc[LC_LEV_NUM], lc[LC_LEV_DEN]
    if lc[LC_CROSS] == 1.0 or extra != 0.0 or lp[LP_EXACT] != 1.0 or num <= 0:
        return -1.0
    top = lp[LP_AVG_HI] * (num - den if lp[LP_SIZE] > 0 else num + den)
    if abs(top) >= EXACT or top % num != 0:
        return -1.0
    return top // num


@njit(cache=True)
def liquidate(st, pf, ts):  # type: ignore[no-untyped-def]
    """`Liquidator.liquidate` at `ts`: cancel the bot's orders, close the whole position at
    the bankruptcy price (no fee) and queue the fill for the bot. False (S_LFAIL set) when
    the rounding of the bankruptcy price cannot be told, or the order pool is full."""
    s, g, o, ok, fr, q, fo, ff = st
    lp, lc = position(g), constants(pf)
    extra = extra_margin(s, g, pf)  # as the venue reads it: before the orders are cancelled
    bust = bust_ticks(lp, lc, extra)
    long = lp[LP_SIZE] > 0
    whole = math.ceil(bust) if long else math.floor(bust)  # a sell rounds up, a buy down
    if abs(bust - round(bust)) <= doubt(lp, lc, extra):
        whole = exact_bust(lp, lc, extra)
        if whole < 0:
            s[S_LFAIL] = FAIL_LIQUIDATION
            return False
    ticks = np.int64(max(whole, 1.0))  # a long bankrupt at zero closes at the lowest tick
    for i in range(s[S_HWM]):
        if o[i, O_BOT] == 1 and o[i, O_VENUE] != 0:
            bot_cancel(st, i)
    s[S_PENDING] += 1  # the cancels are updates the engine drains
    side = SELL if long else BUY
    lots = np.int64(abs(lp[LP_SIZE]))
    i = new_order(s, o, ok, fr, pf, side, ticks, lots, TAG_LIQ)
    if i < 0:
        s[S_LFAIL] = FAIL_LIQUIDATION
        return False
    o[i, O_MARKET] = 1
    s[S_PLACED] += 1  # the engine's journal records the venue's order too (metrics.orders)
    trade(lp, lc, side == BUY, lots, ticks, 0.0, 0.0)
    sync(s, g, pf)
    n = s[S_FILLS]
    if n < fo.shape[0]:
        fo[n, F_CANDLE], fo[n, F_TS], fo[n, F_SIDE] = s[S_I], ts, side
        fo[n, F_TICKS], fo[n, F_LOTS], fo[n, F_TAKER], fo[n, F_TAG] = ticks, lots, 1, TAG_LIQ
        fo[n, F_BFEE] = 0
        ff[n] = 0.0
    s[S_FILLS] = n + 1
    k = s[S_QN]
    q[k, Q_ID], q[k, Q_TS], q[k, Q_TAKER] = i, ts, BUST
    s[S_QN] = k + 1
    s[S_PENDING] += 1
    return True
