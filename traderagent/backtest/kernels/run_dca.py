"""The DCA kernel: the strategy's reactions to fills and candles, and a whole run."""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels.blocks import (
    B_CMAX,
    B_CMIN,
    B_END,
    B_HIGH,
    B_LOW,
    BLOCK,
    candle_blocks,
    with_ends,
)
from traderagent.backtest.kernels.bot import budget_left, cancel_all, end_drain, next_fill
from traderagent.backtest.kernels.dca import (
    CLOSING,
    COOLDOWN,
    DF_N,
    DF_STOP,
    DQ_HAS_SL,
    DQ_MAX_SO,
    DS_COOL,
    DS_CYCLE,
    DS_DONE,
    DS_N,
    DS_PHASE,
    DS_QTY,
    DS_SAFETY,
    DS_SL_TAG,
    DS_SL_WANTED,
    DS_STOPS,
    DS_TP_TAG,
    DS_TP_WANTED,
    IN_CYCLE,
    K_BASE,
    K_SL,
    K_SO,
    K_TP,
    OPENING,
    WAITING,
    arm,
    bought,
    end_cycle,
    live,
    next_safety,
    open_cycle,
    place_safety,
    sell_all,
    sold,
    stop_hit,
    stop_order,
    take_profit,
)
from traderagent.backtest.kernels.layout import (
    BUY,
    G_BB,
    G_BS,
    G_QTOT,
    G_SS,
    G_START,
    O_TAG,
    O_TAG2,
    O_TAG3,
    PF_BSCALE,
    PF_BUNIT,
    PF_MAX_LOSS,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PI_AUTOSTART,
    PI_MIN_LOTS,
    S_BFREE,
    S_BLOCK,
    S_HALTED,
    S_NOW,
    S_RTAG,
    S_RTAG2,
    S_RTAG3,
)
from traderagent.backtest.kernels.steps import (
    UNCOUNTED,
    breached,
    day_end,
    emergency,
    enter,
    halt_floor,
    match,
    match_end,
    summary,
    walk_on,
    watching,
)
from traderagent.backtest.kernels.venue import STOP_REACH, new_state


@njit(**UNCOUNTED)  # no allocation: no reference counting
def dca_fill(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, fill):  # type: ignore[no-untyped-def]
    """`DcaStrategy.on_fill` of a whole order; `fill` = (side, ticks, units, kind, cycle, n),
    units being the base the fill moved (a buy's lots less its fee in base)."""
    side, ticks, units, kind, cycle, n = fill
    if kind < 0:
        return  # not the strategy's
    if cycle != ds[DS_CYCLE]:
        late_fill(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, side, ticks, units)
        return
    budget = budget_left(st[0], st[1], pf)
    if kind == K_SO:
        wso[n] = 0
    elif kind == K_TP and ds[DS_TP_WANTED] == 1 and ds[DS_TP_TAG] == n:
        ds[DS_TP_WANTED] = 0
    elif kind == K_SL and ds[DS_SL_WANTED] == 1 and ds[DS_SL_TAG] == n:
        ds[DS_SL_WANTED] = 0
    if kind in (K_BASE, K_SO):
        bought(pf, dq, dp, ds, df, ticks, units)
    else:
        sold(pf, dq, dp, ds, df, units)
    if ds[DS_PHASE] == CLOSING and kind != K_SL:
        return  # a buy whose cancel lost the race: the stop's sale is followed by another
    if kind == K_BASE:
        arm(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, ticks)
    elif kind == K_SO:
        ds[DS_SAFETY] += 1
        count = next_safety(pi, dq, ds, wso, plp, plq, todo)
        take_profit(st, pi, pf, dq, dp, ds, df)
        stop_order(st, pi, pf, dq, dp, ds, df)
        place_safety(st, pi, pf, ds, plp, plq, todo, count)
    elif kind == K_TP:
        if ds[DS_QTY] >= pi[PI_MIN_LOTS] * np.int64(pf[PF_BSCALE]):  # a safety order filled
            take_profit(st, pi, pf, dq, dp, ds, df)
            stop_order(st, pi, pf, dq, dp, ds, df)
        else:
            ds[DS_DONE] += 1
            end_cycle(st, pi, pf, dq, dp, ds, df, wso, budget)
    elif kind == K_SL:
        if n > 0:  # the resting stop order (n 0: the market sell)
            ds[DS_STOPS] += 1
        sell_all(st, pi, pf, dq, dp, ds, df, wso, budget)  # a late buy's part, or the end


@njit(**UNCOUNTED)  # no allocation: no reference counting
def late_fill(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, side, ticks, units):  # type: ignore[no-untyped-def]
    """`DcaStrategy._late_fill`: an earlier cycle's fill extends, opens or shrinks this one."""
    if side == BUY:
        bought(pf, dq, dp, ds, df, ticks, units)
    else:
        sold(pf, dq, dp, ds, df, units)
    phase = ds[DS_PHASE]
    if phase == IN_CYCLE:
        take_profit(st, pi, pf, dq, dp, ds, df)
        stop_order(st, pi, pf, dq, dp, ds, df)
    elif phase in (WAITING, COOLDOWN) and ds[DS_QTY] > 0:
        arm(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, ticks)


@njit(**UNCOUNTED)  # no allocation: no reference counting
def dca_candle(st, pi, pf, dq, dp, ds, df, wso, low):  # type: ignore[no-untyped-def]
    """`DcaStrategy.on_candle`."""
    budget = budget_left(st[0], st[1], pf)
    phase = ds[DS_PHASE]
    if phase == COOLDOWN:
        if st[0][S_NOW] >= ds[DS_COOL]:  # the candle closes at or after the cooldown's end
            open_cycle(st, pi, pf, dp, ds, budget)
        return
    if phase == WAITING:
        open_cycle(st, pi, pf, dp, ds, budget)
        return
    if phase == OPENING and live(st, K_BASE, ds[DS_CYCLE], -1) < 0:
        open_cycle(st, pi, pf, dp, ds, budget)  # refused or rejected: try again
        return
    resting = ds[DS_SL_TAG] >= 0 and live(st, K_SL, ds[DS_CYCLE], ds[DS_SL_TAG]) >= 0
    if phase == IN_CYCLE and dq[DQ_HAS_SL] == 1 and ds[DS_QTY] > 0 and not resting:
        if stop_hit(pf, dp, ds, df, low):
            ds[DS_STOPS] += 1
            wso[:] = 0
            ds[DS_TP_WANTED], ds[DS_SL_WANTED] = 0, 0
            cancel_all(st)
            sell_all(st, pi, pf, dq, dp, ds, df, wso, budget)
        return
    if phase == CLOSING and live(st, K_SL, ds[DS_CYCLE], -1) < 0:
        sell_all(st, pi, pf, dq, dp, ds, df, wso, budget)


@njit(**UNCOUNTED)  # no allocation: no reference counting
def dca_refused(st, pi, pf, dq, dp, ds, df, wso, kind, cycle, n):  # type: ignore[no-untyped-def]
    """`DcaStrategy.on_refused`: the venue refused the cycle's triggered stop (the take profit
    locks its base): cancel everything, sell the cycle at market at the stop's price."""
    if kind != K_SL or cycle != ds[DS_CYCLE] or n != ds[DS_SL_TAG] or ds[DS_PHASE] != IN_CYCLE:
        return
    ds[DS_STOPS] += 1
    wso[:] = 0
    ds[DS_TP_WANTED], ds[DS_SL_WANTED] = 0, 0
    cancel_all(st)
    sell_all(st, pi, pf, dq, dp, ds, df, wso, budget_left(st[0], st[1], pf))


@njit(cache=True, inline="always")
def drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo):  # type: ignore[no-untyped-def]
    s, o = st[0], st[2]
    while True:
        i, side, ticks, units = next_fill(st, pf)
        if i < 0:
            if s[S_RTAG] < 0:
                break
            kind, cycle, n = s[S_RTAG], s[S_RTAG2], s[S_RTAG3]
            s[S_RTAG] = -1  # a refused stop: its reaction's fills are drained in turn
            dca_refused(st, pi, pf, dq, dp, ds, df, wso, kind, cycle, n)
            continue
        fill = (side, ticks, units, o[i, O_TAG], o[i, O_TAG2], o[i, O_TAG3])
        dca_fill(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo, fill)
    end_drain(s, st[1], pf)


@njit(**UNCOUNTED)  # no allocation: no reference counting
def dca_match(st, pi, pf, ts, op, hi, lo, cl, i, dq, dp, ds, df, fac, wso, plp, plq, todo):  # type: ignore[no-untyped-def]
    """Candle i's walk by the venue: each fill reaches the bot where it happens on the
    candle's path (what the strategy does then applies from that point on)."""
    path, previous = match(st, pi, pf, ts, op, hi, lo, cl, i)
    k = 0
    while k < 4:
        k, previous = walk_on(st, pi, pf, ts, i, path, k, previous)
        if k < 4:
            drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)
    match_end(st, cl, i)
    drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)


@njit(**UNCOUNTED)  # no allocation: no reference counting
def dca_decide(st, pi, pf, ts, cl, i, dq, dp, ds, df, fac, wso, plp, plq, todo, low):  # type: ignore[no-untyped-def]
    """The strategy on candle i's close (the first candle opens the first cycle), and the
    fills of its market orders."""
    enter(st, pi, pf, ts, cl, i)
    if i == 0:
        ds[DS_CYCLE] = 1
        open_cycle(st, pi, pf, dp, ds, budget_left(st[0], st[1], pf))
    else:
        dca_candle(st, pi, pf, dq, dp, ds, df, wso, low)
    drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)


@njit(cache=True)
def dca_run(ts, op, hi, lo, cl, pi, pf, dq, dp, fac, capacity, fill_capacity, curve, blocks):  # type: ignore[no-untyped-def]
    """Run DCA over the candles: (metrics, fill rows, fill fees), and `curve` as for the grid.
    `blocks` are the candles' `blocks.candle_blocks` or `timed_blocks` (computed here when
    empty; the block's end time added when missing): a block where
    no resting order or trigger can fill, the strategy's own stop cannot be reached and the
    equity stays within the drawdown's and the watch's bounds is stepped over, as the grid's."""
    bk = with_ends(blocks if blocks.shape[0] > 0 else candle_blocks(hi, lo, cl), ts)
    st = new_state(pi, pf, capacity, fill_capacity)
    s, g = st[0], st[1]
    ds = np.zeros(DS_N, np.int64)
    df = np.zeros(DF_N, np.float64)
    df[DF_STOP] = -np.inf
    ds[DS_TP_TAG], ds[DS_SL_TAG] = -1, -1
    size = dq[DQ_MAX_SO] + 1
    wso = np.zeros(size, np.int64)
    plp = np.zeros(size, np.int64)
    plq = np.zeros(size, np.int64)
    todo = np.zeros(size, np.int64)
    lot = pf[PF_BUNIT]  # base per base unit
    autostart = pi[PI_AUTOSTART] == 1
    record = curve.shape[0] == cl.shape[0]
    peak, max_dd, floor, equity = -np.inf, 0.0, -np.inf, 0.0
    watch = watching(pi, pf)
    loss = pf[PF_MAX_LOSS] if pf[PF_MAX_LOSS] == pf[PF_MAX_LOSS] else np.inf
    day_ends, day0, top, halt_at = -1, 0.0, -np.inf, -np.inf
    # a quiet candle reads only locals; they are reloaded after anything happened
    bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
    ss = g[G_SS]
    reach = STOP_REACH * pf[PF_TICK_NUM] / pf[PF_TICK_DEN]  # a raw low within it may touch ss
    active = autostart  # the strategy sees every candle unless it is in a cycle above its stop
    stop = np.inf
    n, i = cl.shape[0], 0
    while i < n:
        if i & (BLOCK - 1) == 0 and i > 0:  # a whole block where nothing can happen?
            b = i // BLOCK
            if (
                bb <= bk[b, B_LOW]
                and bs >= bk[b, B_HIGH]
                and ss + reach < bk[b, B_LOW]
                and (not active or stop < bk[b, B_LOW])
            ):
                high, low = cash + base * bk[b, B_CMAX], cash + base * bk[b, B_CMIN]
                end = min(i + BLOCK, n)
                if (
                    high <= peak
                    and low >= floor
                    and (
                        not watch
                        or (
                            bk[b, B_END] < day_ends
                            and high <= top
                            and low >= halt_at
                            and day0 - low <= loss
                        )
                    )
                ):
                    if record:
                        for j in range(i, end):
                            curve[j] = cash + base * cl[j]
                    equity = cash + base * cl[end - 1]
                    i = end
                    continue
        close = cl[i]
        busy = False
        if bb > lo[i] or bs < hi[i] or ss + reach >= lo[i]:
            dca_match(st, pi, pf, ts, op, hi, lo, cl, i, dq, dp, ds, df, fac, wso, plp, plq, todo)
            busy = True
            stop = df[DF_STOP] if ds[DS_PHASE] == IN_CYCLE else np.inf  # its fills moved it
        if i == 0:
            g[G_START] = g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close
        if active and lo[i] <= stop:
            dca_decide(st, pi, pf, ts, cl, i, dq, dp, ds, df, fac, wso, plp, plq, todo, lo[i])
            busy = True
        if busy:
            bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
            ss = g[G_SS]
            stop = df[DF_STOP] if ds[DS_PHASE] == IN_CYCLE else np.inf
            active = active and s[S_HALTED] == 0
        equity = cash + base * close
        if watch:  # the account's equity watch, tested cheaply before exactly
            if ts[i] >= day_ends:
                day_ends, day0 = day_end(ts[i]), equity
            if equity > top:
                top = equity
                halt_at = halt_floor(pf, top)
            if (equity < halt_at or day0 - equity > loss) and breached(pf, day0, top, equity):
                equity = emergency(st, pi, pf, ts, cl, i)
                watch = active = False
                bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
                ss = g[G_SS]
        if equity > peak:
            peak = equity
            floor = peak * (1.0 - max_dd)
        elif equity < floor and (peak - equity) / peak > max_dd:
            max_dd = (peak - equity) / peak
            floor = equity
        if record:
            curve[i] = equity
        i += 1
    m = summary(st, pf, equity, max_dd, ds[DS_DONE], ds[DS_STOPS])
    return m, st[6], st[7]
