"""The DCA strategy inside the kernels: `strategies.dca.DcaStrategy`, decision for decision.

A cycle opens with a market base order; its fill plans the safety orders from the fill price,
rests the first `active` of them and a take profit for the whole position at the average entry
plus the margin; each safety fill re-prices the take profit and rests the next safety order.
The stop loss rests as a sell stop at the average entry less the margin (floored to the tick),
re-placed with the take profit; when the venue has none resting, a candle reaching the stop
sells at market on the close. A take profit or a stop ends the cycle. Order tags are the kind
(0 base, 1 safety, 2 take profit, 3 stop), the cycle and the safety number, take-profit or
stop version (0: the market sell), as the strategy's `base3`, `so3.2`, `tp3.4`, `sl3.1`, `sl3`.

The functions here neither allocate nor return arrays: they are compiled without numba's
reference counting (`steps.UNCOUNTED`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from traderagent.backtest.kernels.bot import bot_cancel, close_ticks, mark_ticks, place, place_stop
from traderagent.backtest.kernels.exact import (
    ceil_dd,
    dd_add,
    dd_div,
    dd_mul,
    dd_mul_dd,
    floor_dd,
    ticks_of,
    two_prod,
)
from traderagent.backtest.kernels.layout import (
    BUY,
    O_BOT,
    O_TAG,
    O_TAG2,
    O_TAG3,
    PF_BSCALE,
    PF_LIN,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    S_HWM,
    S_LFAIL,
    S_NOW,
    S_POS,
    SELL,
)
from traderagent.backtest.kernels.linear_venue import FAIL_MARGIN
from traderagent.backtest.kernels.steps import UNCOUNTED
from traderagent.backtest.kernels.venue import check_order

K_BASE, K_SO, K_TP, K_SL = 0, 1, 2, 3
WAITING, OPENING, IN_CYCLE, CLOSING, COOLDOWN = 0, 1, 2, 3, 4
# constants (dq int64, dp float64)
DQ_MAX_SO = 0
DQ_ACTIVE = 1
DQ_COOLDOWN = 2  # the cooldown, ms of engine time
DQ_HAS_TP = 3
DQ_HAS_SL = 4
DQ_N = 5
DP_BASE_HI = 0  # base order amount in units of tick x lot (double-double)
DP_BASE_LO = 1
DP_TP_HI = 2  # 100 + take_profit
DP_TP_LO = 3
DP_SL_HI = 4  # 100 - stop_loss
DP_SL_LO = 5
DP_N = 6
# state (ds int64, df float64)
DS_PHASE = 0
DS_CYCLE = 1
DS_QTY = 2  # the cycle's quantity, base units (credited: net of the buys' fees in base)
DS_SAFETY = 3  # safety orders filled
DS_NEXT = 4  # next safety order to place
DS_TP_VERSION = 5
DS_TP_TAG = 6  # version of the take profit the strategy knows (-1: none)
DS_TP_WANTED = 7
DS_COOL = 8  # engine time from which the next cycle may open, ms
DS_DONE = 9  # cycles closed by a take profit
DS_STOPS = 10
DS_SL_VERSION = 11
DS_SL_TAG = 12  # version of the stop order the strategy knows (-1: none)
DS_SL_WANTED = 13
DS_N = 14
DF_COST_HI = 0  # the cycle's quantity at its fill prices, ticks x base units
DF_COST_LO = 1
DF_STOP = 2  # price under which the stop loss may trigger (quick test; -inf: none)
DF_N = 3


@njit(**UNCOUNTED)
def live(st, kind, cycle, n):  # type: ignore[no-untyped-def]
    """An open order of the bot with that tag (n < 0: any number), or -1."""
    o = st[2]
    for i in range(st[0][S_HWM]):
        mine = o[i, O_BOT] == 1 and o[i, O_TAG] == kind and o[i, O_TAG2] == cycle
        if mine and (n < 0 or o[i, O_TAG3] == n):
            return i
    return -1


@njit(**UNCOUNTED)
def cancel_tag(st, kind, cycle, n):  # type: ignore[no-untyped-def]
    """`CancelOrder(tag)`: every open order of the bot with that tag."""
    o = st[2]
    for i in range(st[0][S_HWM]):
        if o[i, O_BOT] == 1 and o[i, O_TAG] == kind and o[i, O_TAG2] == cycle and o[i, O_TAG3] == n:
            bot_cancel(st, i)


@njit(**UNCOUNTED)
def set_stop(pf, dq, dp, ds, df):  # type: ignore[no-untyped-def]
    if dq[DQ_HAS_SL] == 0 or ds[DS_QTY] <= 0:
        df[DF_STOP] = -math.inf
        return
    hi, lo = stop_ticks(dp, ds, df)
    df[DF_STOP] = (hi + 1.0) * pf[PF_TICK_NUM] / pf[PF_TICK_DEN]


@njit(**UNCOUNTED)
def stop_ticks(dp, ds, df):  # type: ignore[no-untyped-def]
    """`DcaCycle.stop_price` in ticks: cost x (100 - sl) / (qty x 100)."""
    hi, lo = dd_mul_dd(df[DF_COST_HI], df[DF_COST_LO], dp[DP_SL_HI], dp[DP_SL_LO])
    return dd_div(hi, lo, ds[DS_QTY] * 100.0)


@njit(**UNCOUNTED)
def bought(pf, dq, dp, ds, df, ticks, units):  # type: ignore[no-untyped-def]
    ds[DS_QTY] += units
    df[DF_COST_HI], df[DF_COST_LO] = dd_add(
        df[DF_COST_HI], df[DF_COST_LO], *two_prod(ticks * 1.0, units * 1.0)
    )
    set_stop(pf, dq, dp, ds, df)


@njit(**UNCOUNTED)
def sold(pf, dq, dp, ds, df, units):  # type: ignore[no-untyped-def]
    qty = ds[DS_QTY]
    if qty <= 0:
        return
    if units >= qty:
        ds[DS_QTY], df[DF_COST_HI], df[DF_COST_LO] = 0, 0.0, 0.0
    else:
        part_hi, part_lo = dd_div(*dd_mul(df[DF_COST_HI], df[DF_COST_LO], units * 1.0), qty * 1.0)
        df[DF_COST_HI], df[DF_COST_LO] = dd_add(df[DF_COST_HI], df[DF_COST_LO], -part_hi, -part_lo)
        ds[DS_QTY] = qty - units
    set_stop(pf, dq, dp, ds, df)


@njit(**UNCOUNTED)
def take_profit(st, pi, pf, dq, dp, ds, df):  # type: ignore[no-untyped-def]
    """`_take_profit`: cancel the strategy's take profit, rest one for the whole position."""
    cycle = ds[DS_CYCLE]
    if ds[DS_TP_TAG] >= 0 and ds[DS_TP_WANTED] == 1:
        ds[DS_TP_WANTED] = 0
        cancel_tag(st, K_TP, cycle, ds[DS_TP_TAG])
    if dq[DQ_HAS_TP] == 0 or ds[DS_QTY] <= 0:
        return
    lots = min(ds[DS_QTY], st[0][S_POS]) // np.int64(pf[PF_BSCALE])  # whole lots
    hi, lo = dd_mul_dd(df[DF_COST_HI], df[DF_COST_LO], dp[DP_TP_HI], dp[DP_TP_LO])
    ticks = ceil_dd(*dd_div(hi, lo, ds[DS_QTY] * 100.0))
    if check_order(pi, ticks, lots):
        ds[DS_TP_VERSION] += 1
        ds[DS_TP_TAG], ds[DS_TP_WANTED] = ds[DS_TP_VERSION], 1
        place(st, pi, pf, SELL, False, ticks, lots, K_TP, cycle, ds[DS_TP_VERSION], False)


@njit(**UNCOUNTED)
def stop_order(st, pi, pf, dq, dp, ds, df):  # type: ignore[no-untyped-def]
    """`_stop_order`: cancel the strategy's stop, rest one for the whole position."""
    cycle = ds[DS_CYCLE]
    if ds[DS_SL_TAG] >= 0 and ds[DS_SL_WANTED] == 1:
        ds[DS_SL_WANTED] = 0
        cancel_tag(st, K_SL, cycle, ds[DS_SL_TAG])
    if dq[DQ_HAS_SL] == 0 or ds[DS_QTY] <= 0:
        return
    lots = min(ds[DS_QTY], st[0][S_POS]) // np.int64(pf[PF_BSCALE])  # whole lots
    ticks = floor_dd(*stop_ticks(dp, ds, df))
    if check_order(pi, ticks, lots):
        ds[DS_SL_VERSION] += 1
        ds[DS_SL_TAG], ds[DS_SL_WANTED] = ds[DS_SL_VERSION], 1
        place_stop(st, pi, pf, ticks, lots, K_SL, cycle, ds[DS_SL_VERSION])


@njit(**UNCOUNTED)
def next_safety(pi, dq, ds, wso, plp, plq, todo):  # type: ignore[no-untyped-def]
    """`_next_safety_orders`: the numbers to rest now (into `todo`), marked wanted; their count."""
    resting = 0
    for n in range(1, dq[DQ_MAX_SO] + 1):
        resting += wso[n]
    count = 0
    while resting < dq[DQ_ACTIVE] and ds[DS_NEXT] <= dq[DQ_MAX_SO]:
        n = ds[DS_NEXT]
        ds[DS_NEXT] += 1
        if not check_order(pi, plp[n], plq[n]):
            continue
        wso[n] = 1
        todo[count] = n
        count += 1
        resting += 1
    return count


@njit(**UNCOUNTED)
def place_safety(st, pi, pf, ds, plp, plq, todo, count):  # type: ignore[no-untyped-def]
    for j in range(count):
        n = todo[j]
        place(st, pi, pf, BUY, False, plp[n], plq[n], K_SO, ds[DS_CYCLE], n, False)


@njit(**UNCOUNTED)
def arm(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, base_ticks):  # type: ignore[no-untyped-def]
    """`_arm`: plan the safety orders from the base price; rest the take profit and the first
    safety orders."""
    ds[DS_PHASE] = IN_CYCLE
    for n in range(1, dq[DQ_MAX_SO] + 1):
        price = floor_dd(*dd_mul(fac[n, 0], fac[n, 1], base_ticks * 1.0))
        plp[n] = price
        plq[n] = floor_dd(*dd_div(fac[n, 2], fac[n, 3], price * 1.0)) if price > 0 else 0
    ds[DS_NEXT] = 1
    take_profit(st, pi, pf, dq, dp, ds, df)
    stop_order(st, pi, pf, dq, dp, ds, df)
    count = next_safety(pi, dq, ds, wso, plp, plq, todo)
    place_safety(st, pi, pf, ds, plp, plq, todo, count)


@njit(**UNCOUNTED)
def open_cycle(st, pi, pf, dp, ds, budget):  # type: ignore[no-untyped-def]
    """`_open`: the base order at market, unless too small or over the budget; sized at the
    venue's price on the tick (where it fills), so it spends at most the base amount."""
    ticks = close_ticks(st[1], pf)
    lots = floor_dd(*dd_div(dp[DP_BASE_HI], dp[DP_BASE_LO], ticks * 1.0)) if ticks > 0 else 0
    base = dp[DP_BASE_HI] * pf[PF_UNIT]
    if pf[PF_LIN] == 1.0 and abs(budget - base) <= 1e-6 * base:
        st[0][S_LFAIL] = FAIL_MARGIN  # linear: too near the budget to tell as the engine does
    if not check_order(pi, ticks, lots) or budget < base:
        ds[DS_PHASE] = WAITING
        return
    ds[DS_PHASE] = OPENING
    place(st, pi, pf, BUY, True, 0, lots, K_BASE, ds[DS_CYCLE], 0, False)


@njit(**UNCOUNTED)
def end_cycle(st, pi, pf, dq, dp, ds, df, wso, budget):  # type: ignore[no-untyped-def]
    """`_end_cycle`: cancel what the strategy wants resting; the next cycle opens now or after
    the cooldown."""
    cycle = ds[DS_CYCLE]
    for n in range(1, dq[DQ_MAX_SO] + 1):
        if wso[n] == 1:
            cancel_tag(st, K_SO, cycle, n)
            wso[n] = 0
    if ds[DS_TP_WANTED] == 1:
        cancel_tag(st, K_TP, cycle, ds[DS_TP_TAG])
        ds[DS_TP_WANTED] = 0
    if ds[DS_SL_WANTED] == 1:
        cancel_tag(st, K_SL, cycle, ds[DS_SL_TAG])
        ds[DS_SL_WANTED] = 0
    ds[DS_CYCLE] = cycle + 1
    ds[DS_QTY], ds[DS_SAFETY], ds[DS_TP_TAG], ds[DS_SL_TAG] = 0, 0, -1, -1
    df[DF_COST_HI], df[DF_COST_LO] = 0.0, 0.0
    set_stop(pf, dq, dp, ds, df)
    if dq[DQ_COOLDOWN] > 0:
        ds[DS_PHASE], ds[DS_COOL] = COOLDOWN, st[0][S_NOW] + dq[DQ_COOLDOWN]
        return
    open_cycle(st, pi, pf, dp, ds, budget)


@njit(**UNCOUNTED)
def sell_all(st, pi, pf, dq, dp, ds, df, wso, budget):  # type: ignore[no-untyped-def]
    """`_sell_all`: the cycle's quantity at market, or the cycle ends if nothing can be sold."""
    s, g = st[0], st[1]
    lots = min(ds[DS_QTY], s[S_POS]) // np.int64(pf[PF_BSCALE])  # whole lots
    if lots <= 0 or not check_order(pi, mark_ticks(g, pf), lots):
        end_cycle(st, pi, pf, dq, dp, ds, df, wso, budget)
        return
    ds[DS_PHASE] = CLOSING
    place(st, pi, pf, SELL, True, 0, lots, K_SL, ds[DS_CYCLE], 0, False)


@njit(**UNCOUNTED)
def stop_hit(pf, dp, ds, df, low):  # type: ignore[no-untyped-def]
    """`Instrument.market_price(low)` <= the cycle's stop price."""
    hi, lo = stop_ticks(dp, ds, df)
    t = ticks_of(low, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    return (t - hi) - lo <= 1e-29 * abs(hi)
