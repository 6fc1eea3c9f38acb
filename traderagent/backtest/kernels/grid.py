"""The grid strategy inside the kernels: `strategies.grid` (slots, seed, counter-orders and the
stop outside the range) decided exactly as `GridStrategy` decides, on ticks and lots.

Slot k lies between level k and k+1: holding, it wants a sell at level k+1 of what it holds;
empty, a buy at level k of what it lacks. An order tag is 2k for a slot's buy, 2k+1 for its
sell, -1 for the seed and -2 for the stop's market sell. Quantities a slot holds are base
units (lot / 10**k): a buy credits its lots less its fee in base, and a sell takes whole lots.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels.bot import cancel_all, mark_ticks, place
from traderagent.backtest.kernels.layout import (
    BUY,
    O_BOT,
    O_TAG,
    PF_BSCALE,
    S_HWM,
    S_POS,
    S_RONLY,
    SELL,
    TAG_LIQ,
)
from traderagent.backtest.kernels.venue import check_order

TAG_SEED = -1
TAG_STOP = -2
# the grid's rows in `gr` (int64, one column per level), and its constants (gp)
LV = 0  # level prices, ticks
QT = 1  # slot quantities, base units (slot k: level k to k+1)
HOLD = 2  # 1 while slot k holds base (wants its sell)
HELD = 3  # base slot k holds, base units
SEED = 4  # 1 for the slots whose base the seed order buys
GS = 5  # scalars: the GS_* columns
SHORT = 6  # 1 for a short slot (linear): its sell at k+1 opens, its buy at k closes
GR_N = 7
GS_PHASE = 0  # 0 not started, 1 running, 2 stopped
GS_SEEDED = 1
GS_CYCLES = 2
GS_SLOTS = 3
GS_DIR = 4  # DIR_LONG, DIR_SHORT or DIR_NEUTRAL
GS_N = 5
DIR_LONG = 0
DIR_SHORT = 1
DIR_NEUTRAL = 2
GP_STOP = 0  # 1 when stop_outside_pct is set
GP_BELOW_HI = 1  # the stop's lower bound in ticks (double-double)
GP_BELOW_LO = 2
GP_ABOVE_HI = 3
GP_ABOVE_LO = 4
GP_BELOW = 5  # the same bounds as prices, for the quick test
GP_ABOVE = 6
GP_DIR = 7  # the grid's direction (DIR_*): short and neutral trade linear perpetuals
GP_N = 8
RUNNING = 1
STOPPED = 2


@njit(cache=True, inline="always")
def order_for(pi, pf, gr, k):  # type: ignore[no-untyped-def]
    """`SlotBook.order_for`: (side, ticks, lots) of the order slot k wants, side -1 for none.
    Both quantities floor to whole lots, as `Instrument.floor_qty` does."""
    scale = np.int64(pf[PF_BSCALE])
    sell_lots = gr[HELD, k] // scale
    buy_lots = (gr[QT, k] - gr[HELD, k]) // scale
    if gr[SHORT, k] == 1:  # a short slot sells what it lacks and buys back what it holds
        sell_lots, buy_lots = buy_lots, sell_lots
    sell_ok = check_order(pi, gr[LV, k + 1], sell_lots)
    buy_ok = check_order(pi, gr[LV, k], buy_lots)
    if gr[SHORT, k] == 1:
        if gr[HOLD, k] == 1:
            if buy_ok:
                return BUY, gr[LV, k], buy_lots
            if sell_ok:
                return SELL, gr[LV, k + 1], sell_lots
        else:
            if sell_ok:
                return SELL, gr[LV, k + 1], sell_lots
            if buy_ok:
                return BUY, gr[LV, k], buy_lots
    elif gr[HOLD, k] == 1:
        if sell_ok:
            return SELL, gr[LV, k + 1], sell_lots
        if buy_ok:
            return BUY, gr[LV, k], buy_lots
    else:
        if buy_ok:
            return BUY, gr[LV, k], buy_lots
        if sell_ok:
            return SELL, gr[LV, k + 1], sell_lots
    return -1, 0, 0


@njit(cache=True, inline="always")
def place_slot(st, pi, pf, gr, k):  # type: ignore[no-untyped-def]
    side, ticks, lots = order_for(pi, pf, gr, k)
    if side >= 0:
        place_for(st, pi, pf, gr, k, side, ticks, lots)


@njit(cache=True, inline="always")
def place_for(st, pi, pf, gr, k, side, ticks, lots):  # type: ignore[no-untyped-def]
    """Place slot k's order; a close (a long slot's sell, a short slot's buy) goes
    reduce-only on a grid that may short (`SlotBook.reduce_only`)."""
    closing = (side == BUY) == (gr[SHORT, k] == 1)
    if closing and gr[GS, GS_DIR] != DIR_LONG:
        st[0][S_RONLY] = 1
    place(st, pi, pf, side, False, ticks, lots, 2 * k + side, 0, 0, False)


@njit(cache=True, inline="always")
def at_or_above(s, g, pf, gr, k):  # type: ignore[no-untyped-def]
    """Level k >= the bot's last price (both on the tick)."""
    return gr[LV, k] >= mark_ticks(g, pf)


@njit(cache=True)
def open_grid(st, pi, pf, gr):  # type: ignore[no-untyped-def]
    """`GridStrategy._open` at the first price: slots at or above it hold base (bought by one
    market seed order), the others rest buys; the seed slots' sells wait for the seed's fill."""
    gr[GS, GS_PHASE] = RUNNING
    adopt(st, pi, pf, gr, False)


@njit(cache=True)
def resume_grid(st, pi, pf, gr):  # type: ignore[no-untyped-def]
    """`GridStrategy.on_resume` after a liquidation (no order left, nothing held): the slots
    opened again at the bot's last price (`_adopt`, a restart: a neutral grid keeps the sides
    it opened with), as at the start."""
    if gr[GS, GS_PHASE] == RUNNING:
        adopt(st, pi, pf, gr, True)


@njit(cache=True)
def adopt(st, pi, pf, gr, restart):  # type: ignore[no-untyped-def]
    """`GridStrategy._adopt` holding nothing, with no order resting: the seed and the slots'
    orders."""
    s, g = st[0], st[1]
    deficit = 0
    direction = gr[GS, GS_DIR]
    for k in range(gr[GS, GS_SLOTS]):
        if direction == DIR_NEUTRAL and restart:  # `SlotBook.open_at`: the sides stay
            gr[HOLD, k] = 0
        elif direction == DIR_SHORT:  # slots at or below the price hold a short
            gr[SHORT, k], gr[HOLD, k] = 1, 1 if gr[LV, k + 1] <= mark_ticks(g, pf) else 0
        elif direction == DIR_NEUTRAL:  # long below the price, short above, none holding
            gr[SHORT, k], gr[HOLD, k] = 1 if at_or_above(s, g, pf, gr, k) else 0, 0
        else:
            gr[SHORT, k], gr[HOLD, k] = 0, 1 if at_or_above(s, g, pf, gr, k) else 0
        gr[HELD, k] = 0
        if gr[HOLD, k] == 1:
            deficit += gr[QT, k]
    lots = deficit // np.int64(pf[PF_BSCALE])
    seeded = lots == 0 or not check_order(pi, mark_ticks(g, pf), lots)
    gr[GS, GS_SEEDED] = 1 if seeded else 0
    for k in range(gr[GS, GS_SLOTS]):
        gr[SEED, k] = 0 if seeded else gr[HOLD, k]
    if not seeded:
        side = SELL if direction == DIR_SHORT else BUY  # the seed opens the short slots' short
        place(st, pi, pf, side, True, 0, lots, TAG_SEED, 0, 0, False)
    for k in range(gr[GS, GS_SLOTS]):
        if gr[SEED, k] == 0:
            place_slot(st, pi, pf, gr, k)


@njit(cache=True)
def grid_fill(st, pi, pf, gr, side, units, tag):  # type: ignore[no-untyped-def]
    """`GridStrategy.on_fill` of a whole order that moved `units` of base."""
    o = st[2]
    if tag == TAG_LIQ:  # the venue liquidated the position and cancelled every order
        resume_grid(st, pi, pf, gr)
        return
    if tag == TAG_SEED:
        left = units
        for k in range(gr[GS, GS_SLOTS]):
            if gr[SEED, k] == 1:
                take = min(left, gr[QT, k] - gr[HELD, k])
                gr[HELD, k] += take
                left -= take
        gr[GS, GS_SEEDED] = 1
        if gr[GS, GS_PHASE] != RUNNING:
            return
        live = np.zeros(2 * gr[GS, GS_SLOTS], np.int8)
        for i in range(st[0][S_HWM]):
            if o[i, O_BOT] == 1 and o[i, O_TAG] >= 0:
                live[o[i, O_TAG]] = 1
        for k in range(gr[GS, GS_SLOTS]):
            want, ticks, amount = order_for(pi, pf, gr, k)
            if want >= 0 and live[2 * k + want] == 0:
                place_for(st, pi, pf, gr, k, want, ticks, amount)
        return
    if tag < 0 or tag // 2 >= gr[GS, GS_SLOTS]:
        return
    k = tag // 2
    if (side == BUY) == (gr[SHORT, k] == 0):  # a long slot's buy, a short slot's sell: opens
        gr[HELD, k] += units
        gr[HOLD, k] = 1
    else:
        gr[HELD, k] = max(0, gr[HELD, k] - units)
        gr[HOLD, k] = 0
        gr[GS, GS_CYCLES] += 1
    if gr[GS, GS_PHASE] == RUNNING:
        place_slot(st, pi, pf, gr, k)


@njit(cache=True)
def outside_typed(s, g, pf, gp, lo_bound):  # type: ignore[no-untyped-def]
    """Whether the bot's last price (on the tick) is below the lower stop bound (lo_bound) or
    above the upper one."""
    t = mark_ticks(g, pf)
    hi_t, lo_t = (
        (gp[GP_BELOW_HI], gp[GP_BELOW_LO]) if lo_bound else (gp[GP_ABOVE_HI], gp[GP_ABOVE_LO])
    )
    d = (t - hi_t) - lo_t
    return d < 0 if lo_bound else d > 0


@njit(cache=True)
def grid_candle(st, pi, pf, gp, gr):  # type: ignore[no-untyped-def]
    """`GridStrategy._stop_outside`: outside the range by the margin, cancel everything, and
    below it also sell the position at market."""
    s, g = st[0], st[1]
    above = outside(s, g, pf, gp, False)
    if not above and not outside(s, g, pf, gp, True):
        return
    gr[GS, GS_PHASE] = STOPPED
    cancel_all(st)
    lots = s[S_POS] // np.int64(pf[PF_BSCALE])  # whole lots: the dust below one stays
    if not above and lots > 0 and check_order(pi, mark_ticks(g, pf), lots):
        place(st, pi, pf, SELL, True, 0, lots, TAG_STOP, 0, 0, False)


@njit(cache=True, inline="always")
def outside(s, g, pf, gp, lo_bound):  # type: ignore[no-untyped-def]
    """`outside_typed` on int64/bool scalars: numba compiles once per argument types,
    and each literal a caller passes (`0`, `True`) would be a type and a compilation of its own."""
    return outside_typed(s, g, pf, gp, np.bool_(lo_bound))
