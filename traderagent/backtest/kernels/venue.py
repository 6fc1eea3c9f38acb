"""The paper venue inside the kernels: balances, the resting book, admission and the candle walk.

It mirrors `traderagent.exchanges.paper`: a buy locks qty x price x (1 + lock rate) of quote and
a sell its base; a buy's fee is paid in base (Bybit spot: it credits its lots less lots x rate,
counted exactly in base units of lot / 10**k), a sell's in quote; a market order fills at once
at the close as taker; a limit rests (marketable ones, strictly through the last price, as
taker) and fills only when the candle's path (its prices on the tick) strictly crosses its
price, at that price, buys highest first and sells lowest first (arrival order at one price).
A sell stop locks nothing; at each path point it triggers first when the point is at or below
it, and fills as taker at its trigger (at the open on a gap), or is refused when the free base
cannot cover it (the bot's take profit locks it), the venue's price standing at the stop's.
Every execution (and such a refusal) is queued for the bot, and the walk pauses after it
(`walk_from`) so the bot drains it at that point of the path, as the engine does; an order
placed during the walk joins the book after it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels import linear_venue as lin
from traderagent.backtest.kernels.exact import price_of, ticks_of, two_sum
from traderagent.backtest.kernels.layout import (
    BUY,
    F_BFEE,
    F_CANDLE,
    F_LOTS,
    F_N,
    F_SIDE,
    F_TAG,
    F_TAKER,
    F_TICKS,
    F_TS,
    G_BB,
    G_BS,
    G_FEES,
    G_FEES_C,
    G_FEEV,
    G_L0,
    G_N,
    G_QTOT,
    G_SNAP_FREE,
    G_SNAP_Q,
    G_SS,
    G_VENUE,
    O_BOT,
    O_LOTS,
    O_N,
    O_RONLY,
    O_SEQ,
    O_SIDE,
    O_STOP,
    O_TAG,
    O_TAG2,
    O_TAG3,
    O_TAKER,
    O_TICKS,
    O_UNITS,
    O_VENUE,
    PF_BFEE_MAKER,
    PF_BFEE_TAKER,
    PF_BSCALE,
    PF_BUNIT,
    PF_L0,
    PF_LIN,
    PF_LOCK,
    PF_MAKER,
    PF_TAKER,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    PI_B0,
    PI_FILL_MODEL,
    PI_INTERVAL,
    PI_MIN_LOTS,
    PI_MIN_UNITS,
    PI_Q0,
    Q_ID,
    Q_N,
    Q_TAKER,
    Q_TS,
    S_BFREE,
    S_BLOCK,
    S_DAY,
    S_FILLS,
    S_HWM,
    S_I,
    S_LIN,
    S_N,
    S_NBUY,
    S_NDEFER,
    S_NFREE,
    S_NSELL,
    S_NSTOP,
    S_OVERFLOW,
    S_PENDING,
    S_Q,
    S_QLOCK,
    S_QN,
    S_REJ_TRIG,
    S_RTAG,
    S_RTAG2,
    S_RTAG3,
    S_SEQ,
    S_SNAP_B,
    S_VNOW,
    S_WALK,
    SELL,
)
from traderagent.backtest.kernels.linear import LC_LONG_ONLY, LP_WALLET_HI

STOP_REACH = 0.5000001  # `paper.book.STOP_REACH`: ticks beyond a trigger a raw low may touch it
STOP_ROW = 2  # `book_add`/`book_remove` side of the sell stops (a row of their own)


@njit(cache=True)
def new_state(pi, pf, capacity, fill_capacity):  # type: ignore[no-untyped-def]
    """Fresh state arrays for a run with room for `capacity` open orders."""
    s = np.zeros(S_N, np.int64)
    g = np.zeros(G_N, np.float64)
    o = np.zeros((capacity, O_N), np.int64)
    ok = np.zeros(capacity, np.float64)
    # the free id stack, the two book sides, the stops, the orders waiting to join the book
    free = np.zeros((5, capacity), np.int64)
    free[0, :] = np.arange(capacity - 1, -1, -1)
    q = np.zeros((2 * capacity + 8, Q_N), np.int64)
    fo = np.zeros((fill_capacity, F_N), np.int64)
    ff = np.zeros(fill_capacity, np.float64)
    s[S_Q] = pi[PI_Q0]
    s[S_BFREE] = pi[PI_B0]
    s[S_NFREE] = capacity
    s[S_DAY] = -1
    s[S_RTAG] = -1
    g[G_QTOT] = pi[PI_Q0] * pf[PF_UNIT]
    g[G_BB] = -np.inf
    g[G_BS] = np.inf
    g[G_SS] = -np.inf
    if pf[PF_LIN] == 1.0:  # the wallet holds the opening quote; S_BFREE the position
        s[S_LIN] = 1
        g[G_L0 + LP_WALLET_HI] = pi[PI_Q0] * pf[PF_UNIT]
        lin.sync(s, g, pf)
    snapshot(s, g, pf)
    return s, g, o, ok, free, q, fo, ff


@njit(cache=True, inline="always")
def check_order(pi, ticks, lots):  # type: ignore[no-untyped-def]
    """Instrument.check_order for a price and quantity already on the tick and lot."""
    return lots > 0 and ticks > 0 and lots >= pi[PI_MIN_LOTS] and ticks * lots >= pi[PI_MIN_UNITS]


@njit(cache=True, inline="always")
def free_quote(s, g, pf):  # type: ignore[no-untyped-def]
    if pf[PF_LIN] == 1.0:
        return lin.free(s, g, pf)
    return g[G_QTOT] - s[S_QLOCK] * (pf[PF_UNIT] + pf[PF_LOCK])


@njit(cache=True, inline="always")
def snapshot(s, g, pf):  # type: ignore[no-untyped-def]
    """The engine refreshes its copy of the balances after a drain that saw an update."""
    g[G_SNAP_Q] = lin.wallet(g) if pf[PF_LIN] == 1.0 else g[G_QTOT]
    g[G_SNAP_FREE] = free_quote(s, g, pf)
    s[S_SNAP_B] = s[S_BFREE] + s[S_BLOCK]


@njit(cache=True, inline="always")
def set_best(s, g, ok, free):  # type: ignore[no-untyped-def]
    """The cached best prices: the last id of each book side."""
    nb, ns, nt = s[S_NBUY], s[S_NSELL], s[S_NSTOP]
    g[G_BB] = ok[free[1, nb - 1]] if nb > 0 else -np.inf
    g[G_BS] = ok[free[2, ns - 1]] if ns > 0 else np.inf
    g[G_SS] = ok[free[3, nt - 1]] if nt > 0 else -np.inf


@njit(cache=True, inline="always")
def book_add(s, g, ok, free, i, side):  # type: ignore[no-untyped-def]
    """Rest order i: each side is kept worst first, best last; at one price the earlier
    order is the better one (FIFO), so a newcomer goes before its equals."""
    count = S_NBUY if side == BUY else S_NSELL
    sign = 1.0 if side == BUY else -1.0
    row = 1 + side
    if side == STOP_ROW:  # sell stops: highest trigger best, as buys
        count, sign, row = S_NSTOP, 1.0, 3
    n, rank = s[count], sign * ok[i]
    pos = n
    while pos > 0 and sign * ok[free[row, pos - 1]] >= rank:
        free[row, pos] = free[row, pos - 1]
        pos -= 1
    free[row, pos] = i
    s[count] = n + 1
    set_best(s, g, ok, free)


@njit(cache=True)
def book_remove(s, g, ok, free, i, side):  # type: ignore[no-untyped-def]
    count = S_NBUY if side == BUY else S_NSELL
    row = 1 + side
    if side == STOP_ROW:
        count, row = S_NSTOP, 3
    n = s[count]
    k = 0
    while free[row, k] != i:
        k += 1
    for j in range(k, n - 1):
        free[row, j] = free[row, j + 1]
    s[count] = n - 1
    set_best(s, g, ok, free)


@njit(cache=True, inline="always")
def new_order(s, o, ok, free, pf, side, ticks, lots, tag):  # type: ignore[no-untyped-def]
    """Take an id off the free stack for an order the bot tracks; -1 when the pool is full."""
    if s[S_NFREE] == 0:
        s[S_OVERFLOW] = 1
        return -1
    s[S_NFREE] -= 1
    i = free[0, s[S_NFREE]]
    s[S_HWM] = max(s[S_HWM], i + 1)
    o[i, :] = 0
    o[i, O_SIDE], o[i, O_TICKS], o[i, O_LOTS], o[i, O_TAG] = side, ticks, lots, tag
    o[i, O_UNITS] = lots * np.int64(pf[PF_BSCALE])
    s[S_SEQ] += 1
    o[i, O_SEQ] = s[S_SEQ]
    o[i, O_BOT] = 1
    ok[i] = price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    return i


@njit(cache=True, inline="always")
def release(s, o, free, i):  # type: ignore[no-untyped-def]
    if o[i, O_VENUE] == 0 and o[i, O_BOT] == 0:
        free[0, s[S_NFREE]] = i
        s[S_NFREE] += 1


@njit(cache=True, inline="always")
def admit(s, g, pf, side, ticks, lots):  # type: ignore[no-untyped-def]
    """Lock the order's funds; False (and no change) when the free balance cannot cover it."""
    if side == BUY:
        need = ticks * lots * (pf[PF_UNIT] + pf[PF_LOCK])
        if need > free_quote(s, g, pf):
            return False
        s[S_QLOCK] += ticks * lots
        return True
    units = lots * np.int64(pf[PF_BSCALE])
    if units > s[S_BFREE]:
        return False
    s[S_BFREE] -= units
    s[S_BLOCK] += units
    return True


@njit(cache=True, inline="always")
def unlock(s, o, i):  # type: ignore[no-untyped-def]
    if o[i, O_STOP] == 1:
        return  # an untriggered stop locks nothing
    if s[S_LIN] == 1:
        lin.unlock(s, o, i)
    elif o[i, O_SIDE] == BUY:
        s[S_QLOCK] -= o[i, O_TICKS] * o[i, O_LOTS]
    else:
        s[S_BLOCK] -= o[i, O_UNITS]
        s[S_BFREE] += o[i, O_UNITS]


@njit(cache=True)
def execute_typed(s, g, o, q, fo, ff, pf, i, ticks, taker, ts):  # type: ignore[no-untyped-def]
    """Fill all of order i at `ticks`: settle, record the fill, queue it for the bot."""
    unlock(s, o, i)
    lots = o[i, O_LOTS]
    notional = ticks * lots
    base_fee = 0
    if pf[PF_LIN] == 1.0:  # linear: the fee in quote whatever the side, the position moves
        fee = lin.settle(s, g, o, pf, i, ticks, taker)
    elif o[i, O_SIDE] == BUY:  # the fee in base: the account receives the lots less it
        fee = 0.0
        base_fee = lots * np.int64(pf[PF_BFEE_TAKER] if taker else pf[PF_BFEE_MAKER])
        s[S_Q] -= notional
        s[S_BFREE] += o[i, O_UNITS] - base_fee
        price = price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
        g[G_FEEV] += base_fee * pf[PF_BUNIT] * price
    else:
        fee = notional * (pf[PF_TAKER] if taker else pf[PF_MAKER])
        base_fee = 0
        s[S_Q] += notional
        s[S_BFREE] -= o[i, O_UNITS]
    total, err = two_sum(g[G_FEES], fee)
    g[G_FEES], g[G_FEES_C] = total, g[G_FEES_C] + err
    if pf[PF_LIN] != 1.0:
        g[G_QTOT] = s[S_Q] * pf[PF_UNIT] - (g[G_FEES] + g[G_FEES_C])
    o[i, O_VENUE] = 0
    n = s[S_FILLS]
    if n < fo.shape[0]:
        fo[n, F_CANDLE], fo[n, F_TS], fo[n, F_SIDE] = s[S_I], ts, o[i, O_SIDE]
        fo[n, F_TICKS], fo[n, F_LOTS], fo[n, F_TAKER], fo[n, F_TAG] = (
            ticks,
            lots,
            taker,
            o[i, O_TAG],
        )
        fo[n, F_BFEE] = base_fee
        ff[n] = fee
    s[S_FILLS] = n + 1
    k = s[S_QN]
    q[k, Q_ID], q[k, Q_TS], q[k, Q_TAKER] = i, ts, taker
    s[S_QN] = k + 1
    s[S_PENDING] += 1


@njit(cache=True, inline="always")
def rest(s, g, o, ok, free, i, taker):  # type: ignore[no-untyped-def]
    o[i, O_TAKER] = taker
    if s[S_WALK] == 1:  # placed while a candle is walked: it joins the book after the walk
        o[i, O_VENUE] = 2
        free[4, s[S_NDEFER]] = i
        s[S_NDEFER] += 1
        return
    o[i, O_VENUE] = 1
    book_add(s, g, ok, free, i, STOP_ROW if o[i, O_STOP] == 1 else o[i, O_SIDE])


@njit(cache=True)
def join_deferred(s, g, o, ok, free):  # type: ignore[no-untyped-def]
    """The walk is over: the orders placed during it join the book, in their order."""
    s[S_WALK] = 0
    for k in range(s[S_NDEFER]):
        i = free[4, k]
        o[i, O_VENUE] = 1
        book_add(s, g, ok, free, i, STOP_ROW if o[i, O_STOP] == 1 else o[i, O_SIDE])
    s[S_NDEFER] = 0


@njit(cache=True)
def trigger(s, g, o, ok, free, q, fo, ff, pf, i, ticks, ts):  # type: ignore[no-untyped-def]
    """Sell stop i triggered (already off its book): a market sell at `ticks` if the free base
    covers it, else refused (counted, and its tags left in S_RTAG* for the bot to react)."""
    units = o[i, O_UNITS]  # base units, as the balances count them
    o[i, O_STOP], o[i, O_VENUE] = 0, 1
    if s[S_LIN] == 1:  # linear: it locked nothing and needs no margin to close (`lin.settle`)
        s[S_QLOCK] += ticks * o[i, O_LOTS]  # what its execution's unlock releases
        o[i, O_TICKS], o[i, O_RONLY] = ticks, 1 if pf[PF_L0 + LC_LONG_ONLY] == 1.0 else 0
        execute(s, g, o, q, fo, ff, pf, i, ticks, 1, ts)
        return
    if s[S_BFREE] < units:
        s[S_REJ_TRIG] += 1
        s[S_RTAG], s[S_RTAG2], s[S_RTAG3] = o[i, O_TAG], o[i, O_TAG2], o[i, O_TAG3]
        o[i, O_VENUE], o[i, O_BOT] = 0, 0
        s[S_PENDING] += 1
        release(s, o, free, i)
        return
    s[S_BFREE] -= units  # what a sell locks, released by its execution
    s[S_BLOCK] += units
    o[i, O_TICKS] = ticks
    execute(s, g, o, q, fo, ff, pf, i, ticks, 1, ts)


@njit(cache=True)
def cancel(s, g, o, ok, free, i):  # type: ignore[no-untyped-def]
    """Cancel order i on the venue; an order already filled (its fill still queued) stays
    tracked by the bot, as the engine's cancel of it finds nothing."""
    where = o[i, O_VENUE]
    if where == 0:
        return
    unlock(s, o, i)
    if where == 2:  # placed during the walk, not on the book yet
        n, k = s[S_NDEFER], 0
        while free[4, k] != i:
            k += 1
        for j in range(k, n - 1):
            free[4, j] = free[4, j + 1]
        s[S_NDEFER] = n - 1
    else:
        book_remove(s, g, ok, free, i, STOP_ROW if o[i, O_STOP] == 1 else o[i, O_SIDE])
    o[i, O_VENUE] = 0
    o[i, O_BOT] = 0
    s[S_PENDING] += 1
    release(s, o, free, i)


@njit(cache=True)
def walk_path(g, pi, pf, op, hi, lo, cl):  # type: ignore[no-untyped-def]
    """The candle's path in ticks (open, one extreme, the other, close), its points on the tick
    as `matching.candle_path` puts them (the nearer extreme decided in whole ticks)."""
    num, den = pf[PF_TICK_NUM], pf[PF_TICK_DEN]
    to, th, tl, tc = (
        ticks_of(op, num, den),
        ticks_of(hi, num, den),
        ticks_of(lo, num, den),
        ticks_of(cl, num, den),
    )
    model = pi[PI_FILL_MODEL]
    low = price_of(tl, num, den)
    adverse = g[G_BB] > low or g[G_SS] >= low  # a buy fills or a stop triggers down there
    high_first = model == 1 or (model == 0 and th - to <= to - tl and not adverse)
    return (to, th, tl, tc) if high_first else (to, tl, th, tc)


@njit(cache=True)
def walk_from(s, g, o, ok, free, q, fo, ff, pi, pf, ts, path, k0, previous):  # type: ignore[no-untyped-def]
    """Match the book along `path` from point `k0` (`previous`: the price before it, NaN before
    the first candle) until an execution queues a fill or a triggered stop is refused: (its
    point, the price before that point), for the bot to react there, then the walk goes on
    from that point; (4, ...) at its end. While at a point, it is the venue's last price and
    time (at a stop's trigger, the stop's fill price)."""
    num, den = pf[PF_TICK_NUM], pf[PF_TICK_DEN]
    step = pi[PI_INTERVAL]
    for k in range(k0, 4):
        price = price_of(path[k], num, den)
        rising = price > previous  # False while previous is NaN (no candle yet)
        point_ts = ts + k * step // 3
        g[G_VENUE], s[S_VNOW] = price, point_ts
        while s[S_NSTOP] > 0 and g[G_SS] >= price:  # stops first: a touch triggers
            i = free[3, s[S_NSTOP] - 1]
            s[S_NSTOP] -= 1
            set_best(s, g, ok, free)
            ticks = path[0] if k == 0 else o[i, O_TICKS]  # the open of a gap, on the tick
            queued = s[S_QN]
            g[G_VENUE] = price_of(ticks, num, den)  # the market as the stop goes off
            trigger(s, g, o, ok, free, q, fo, ff, pf, i, ticks, point_ts)
            if s[S_QN] > queued or s[S_RTAG] >= 0:
                return k, previous
            g[G_VENUE] = price
        for turn in range(2):
            side = (SELL if turn == 0 else BUY) if rising else (BUY if turn == 0 else SELL)
            if not ((g[G_BB] > price) if side == BUY else (g[G_BS] < price)):
                continue  # the cached best price says nothing crosses here
            count, row = (S_NBUY, 1) if side == BUY else (S_NSELL, 2)
            if s[count] > 0:
                i = free[row, s[count] - 1]  # the best: strictly through the price?
                if not ((ok[i] <= price) if side == BUY else (ok[i] >= price)):
                    s[count] -= 1
                    set_best(s, g, ok, free)
                    execute(s, g, o, q, fo, ff, pf, i, o[i, O_TICKS], o[i, O_TAKER], point_ts)
                    return k, previous
        previous = price
    return 4, previous


@njit(cache=True)
def may_cross(g, pf, hi, lo):  # type: ignore[no-untyped-def]
    reach = STOP_REACH * pf[PF_TICK_NUM] / pf[PF_TICK_DEN]  # a raw low within it may touch a stop
    return g[G_BB] > lo or g[G_BS] < hi or g[G_SS] + reach >= lo


@njit(cache=True)
def equity(s, g, pf, lot, close):  # type: ignore[no-untyped-def]
    return g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close


@njit(cache=True, inline="always")
def execute(s, g, o, q, fo, ff, pf, i, ticks, taker, ts):  # type: ignore[no-untyped-def]
    """`execute_typed` on int64/bool scalars: numba compiles once per argument types,
    and each literal a caller passes (`0`, `True`) would be a type and a compilation of its own."""
    return execute_typed(
        s, g, o, q, fo, ff, pf, np.int64(i), np.int64(ticks), np.int64(taker), np.int64(ts)
    )
