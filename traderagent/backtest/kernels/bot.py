"""The bot's side inside the kernels: sizing, placing and cancelling, its position, the drain of
queued fills and the account's equity watch, as `traderagent.engine` does them.

A buy first meets the capital allocator (`engine.allocator.fit_buy`), which reads the balances
the engine refreshed after its last drain that saw an update, less what the buys it approved
since then lock (G_SNAP_FREE goes down by each approved buy's cost: `BatchLocks`); then
execution's pre-check; then the venue's admission. The engine counts an order as placed once
it reaches execution.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from traderagent.backtest.kernels import linear_bot, linear_venue
from traderagent.backtest.kernels.exact import price_of, ticks_of
from traderagent.backtest.kernels.layout import (
    BUY,
    G_AVG,
    G_CLOSE,
    G_MARK,
    G_REAL,
    G_SNAP_FREE,
    G_SNAP_Q,
    G_VENUE,
    O_BOT,
    O_LOTS,
    O_MARKET,
    O_OPEN,
    O_RONLY,
    O_SIDE,
    O_STOP,
    O_TAG2,
    O_TAG3,
    O_TICKS,
    O_UNITS,
    O_VENUE,
    PF_BFEE_MAKER,
    PF_BFEE_TAKER,
    PF_BSCALE,
    PF_BUNIT,
    PF_L0,
    PF_LIN,
    PF_LOT,
    PF_MAKER,
    PF_RESERVE,
    PF_SHARE,
    PF_TAKER,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    Q_ID,
    Q_TAKER,
    S_COMMIT,
    S_COMMITS,
    S_HALTED,
    S_HWM,
    S_PENDING,
    S_PLACED,
    S_POS,
    S_QH,
    S_QN,
    S_REJ_ALLOC,
    S_REJ_FUNDS,
    S_REJ_MIN,
    S_REJ_STOP,
    S_RONLY,
    S_RTAG,
    S_SNAP_B,
    S_VNOW,
    SELL,
    TAG_CLOSE,
)
from traderagent.backtest.kernels.linear import LC_LONG_ONLY
from traderagent.backtest.kernels.venue import (
    admit,
    cancel,
    check_order,
    execute,
    new_order,
    release,
    rest,
    snapshot,
)

DAY_MS = 86_400_000


@njit(cache=True, inline="always")
def mark_ticks(g, pf):  # type: ignore[no-untyped-def]
    """The bot's last price in ticks (`BotRuntime.last_price`; G_MARK is on the tick already)."""
    return ticks_of(g[G_MARK], pf[PF_TICK_NUM], pf[PF_TICK_DEN])


@njit(cache=True, inline="always")
def close_ticks(g, pf):  # type: ignore[no-untyped-def]
    """The venue's last price on the tick: where its market orders fill (during a candle's
    walk, the path point being walked)."""
    return ticks_of(g[G_VENUE], pf[PF_TICK_NUM], pf[PF_TICK_DEN])


@njit(cache=True, inline="always")
def committed(s, g, pf):  # type: ignore[no-untyped-def]
    """Quote the bot has at risk: its position at cost plus its open limit buys."""
    return s[S_POS] * pf[PF_BUNIT] * g[G_AVG] + s[S_COMMIT] * pf[PF_UNIT]


@njit(cache=True)
def budget_left(s, g, pf):  # type: ignore[no-untyped-def]
    """The strategy context's `budget`: the allocator's budget less what is committed."""
    if pf[PF_LIN] == 1.0:
        return linear_bot.budget(s, g, pf)
    equity = g[G_SNAP_Q] + s[S_SNAP_B] * pf[PF_BUNIT] * g[G_CLOSE]
    return equity * pf[PF_SHARE] - committed(s, g, pf)


@njit(cache=True, inline="always")
def fit_buy(s, g, pi, pf, market, ticks, lots):  # type: ignore[no-untyped-def]
    """The buy's quantity as the allocator lets it be placed, or -1 when it is refused: its
    notional with the fee reserved must fit the budget and the free cash, else it is cut. An
    approved buy's cost comes off the free cash the rest of the batch sees."""
    price = g[G_MARK] if market else price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    equity = g[G_SNAP_Q] + s[S_SNAP_B] * pf[PF_BUNIT] * g[G_CLOSE]
    room = equity * pf[PF_SHARE] - committed(s, g, pf)
    free = g[G_SNAP_FREE]
    factor = 1.0 + pf[PF_RESERVE]
    cost = lots * pf[PF_LOT] * price * factor
    if cost <= room and cost <= free:
        g[G_SNAP_FREE] = free - cost  # the approved buy locks its cost: the batch sees less
        return lots
    allowance = (max(room, 0.0) if room <= free else max(free, 0.0)) / factor
    cut = int(math.floor(allowance / price / pf[PF_LOT]))
    if not check_order(pi, mark_ticks(g, pf) if market else ticks, cut):
        return -1
    g[G_SNAP_FREE] = free - cut * pf[PF_LOT] * price * factor
    return cut


@njit(cache=True)
def place_typed(st, pi, pf, side, market, ticks, lots, tag, tag2, tag3, force):  # type: ignore[no-untyped-def]
    """The bot places an order (`BotRuntime._place`); its id, or -1 if none rests or filled.

    A halted bot places nothing (`force`: the halt's own closing sell)."""
    s, g, o, ok, free, q, fo, ff = st
    linear = pf[PF_LIN] == 1.0
    # linear: reduce-only if the bot asked (S_RONLY), or a sell on a long-only venue
    reduce_only = linear and (s[S_RONLY] == 1 or (side != BUY and pf[PF_L0 + LC_LONG_ONLY] == 1))
    s[S_RONLY] = 0
    if s[S_HALTED] == 1 and not force:
        return -1
    if linear:
        lots = linear_bot.fit(s, g, pf, side, market, ticks, lots, reduce_only)
        if lots < 0:
            return -1  # the run stops (S_LFAIL)
    elif side == BUY:
        lots = fit_buy(s, g, pi, pf, market, ticks, lots)
        if lots < 0:
            s[S_REJ_ALLOC] += 1  # the allocator's refusal: never sent
            return -1
    s[S_PLACED] += 1
    if not check_order(pi, mark_ticks(g, pf) if market else ticks, lots):
        s[S_REJ_MIN] += 1  # execution's pre-check, on the bot's last price
        return -1
    if market:
        ticks = close_ticks(g, pf)  # the venue fills at its own last price
    if not check_order(pi, ticks, lots):
        s[S_REJ_MIN] += 1
        return -1
    opening = 0
    if linear:
        opening = linear_venue.admit(s, g, pf, side, ticks, lots, reduce_only)
        if opening < 0:
            return -1  # the run stops (S_LFAIL)
    elif not admit(s, g, pf, side, ticks, lots):
        s[S_REJ_FUNDS] += 1
        return -1
    i = new_order(s, o, ok, free, pf, side, ticks, lots, tag)
    if i < 0:
        return -1
    o[i, O_TAG2], o[i, O_TAG3] = tag2, tag3
    o[i, O_OPEN], o[i, O_RONLY] = opening, 1 if reduce_only else 0
    if market:
        o[i, O_MARKET] = 1
        execute(s, g, o, q, fo, ff, pf, i, ticks, 1, s[S_VNOW])
        return i
    last = close_ticks(g, pf)  # `admission.marketable`: strictly through the last price
    if side == BUY:
        s[S_COMMIT] += ticks * lots
        marketable = ticks > last
    else:
        s[S_COMMITS] += ticks * lots  # read on linear only
        marketable = ticks < last
    rest(s, g, o, ok, free, i, 1 if marketable else 0)
    return i


@njit(cache=True)
def place_stop_typed(st, pi, pf, ticks, lots, tag, tag2, tag3):  # type: ignore[no-untyped-def]
    """The bot places a sell stop triggering at `ticks`; its id, or -1 if the venue refused it
    (a trigger at or above the last price would trigger at once). It locks nothing."""
    s, g, o, ok, free = st[0], st[1], st[2], st[3], st[4]
    if s[S_HALTED] == 1:
        return -1
    s[S_PLACED] += 1
    if not check_order(pi, ticks, lots):
        s[S_REJ_MIN] += 1
        return -1  # execution's pre-check and the venue's alike
    if ticks >= close_ticks(g, pf):  # the venue's last price, on the tick
        s[S_REJ_STOP] += 1
        return -1
    i = new_order(s, o, ok, free, pf, SELL, ticks, lots, tag)
    if i < 0:
        return -1
    o[i, O_TAG2], o[i, O_TAG3], o[i, O_STOP] = tag2, tag3, 1
    rest(s, g, o, ok, free, i, 1)
    return i


@njit(cache=True, inline="always")
def place_stop(st, pi, pf, ticks, lots, tag, tag2, tag3):  # type: ignore[no-untyped-def]
    """`place_stop_typed` on int64 scalars (one compilation)."""
    return place_stop_typed(
        st, pi, pf, np.int64(ticks), np.int64(lots), np.int64(tag), np.int64(tag2), np.int64(tag3)
    )


@njit(cache=True)
def bot_cancel(st, i):  # type: ignore[no-untyped-def]
    """Cancel one of the bot's open orders; one whose fill is still queued stays tracked."""
    s, g, o, ok, free = st[0], st[1], st[2], st[3], st[4]
    if o[i, O_VENUE] == 0:
        return
    if o[i, O_SIDE] == BUY and o[i, O_MARKET] == 0:
        s[S_COMMIT] -= o[i, O_TICKS] * o[i, O_LOTS]
    elif o[i, O_MARKET] == 0 and o[i, O_STOP] == 0:
        s[S_COMMITS] -= o[i, O_TICKS] * o[i, O_LOTS]  # linear only: spot keeps it 0
    cancel(s, g, o, ok, free, i)


@njit(cache=True)
def cancel_all(st):  # type: ignore[no-untyped-def]
    o = st[2]
    for i in range(st[0][S_HWM]):
        if o[i, O_BOT] == 1:
            bot_cancel(st, i)


@njit(cache=True, inline="always")
def next_fill(st, pf):  # type: ignore[no-untyped-def]
    """Hand the oldest queued fill to the bot (`BotRuntime.on_fill`): the position moves and the
    order is closed. Returns (id, side, ticks, units): the base units the fill moved (a buy's
    lots less its fee in base), or id -1 when the queue is empty."""
    s, g, o, free, q = st[0], st[1], st[2], st[4], st[5]
    head = s[S_QH]
    if head >= s[S_QN]:
        return -1, 0, 0, 0
    s[S_QH] = head + 1
    i = q[head, Q_ID]
    side, ticks, lots, units = o[i, O_SIDE], o[i, O_TICKS], o[i, O_LOTS], o[i, O_UNITS]
    price = price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    taker = q[head, Q_TAKER]
    held = s[S_POS]
    if pf[PF_LIN] == 1.0:
        linear_bot.bot_fill(s, g, pf, side, ticks, lots, taker, o[i, O_MARKET] == 1)
    elif side == BUY:
        units -= lots * np.int64(pf[PF_BFEE_TAKER] if taker else pf[PF_BFEE_MAKER])
        s[S_POS] = held + units
        if held + units > 0:
            g[G_AVG] = (g[G_AVG] * held + price * units) / (held + units)
        g[G_REAL] -= (o[i, O_UNITS] - units) * pf[PF_BUNIT] * price
        if o[i, O_MARKET] == 0:
            s[S_COMMIT] -= ticks * lots
    else:
        fee = ticks * lots * (pf[PF_TAKER] if taker else pf[PF_MAKER])
        closed = min(lots * pf[PF_LOT], held * pf[PF_BUNIT])
        g[G_REAL] += (price - g[G_AVG]) * closed - fee
        s[S_POS] = held - units
        if s[S_POS] <= 0:
            g[G_AVG] = 0.0
    o[i, O_BOT] = 0
    release(s, o, free, i)
    return i, side, ticks, units


@njit(cache=True, inline="always")
def end_drain(s, g, pf):  # type: ignore[no-untyped-def]
    """After a drain: the engine refreshes its balances if it routed any update."""
    s[S_QH], s[S_QN], s[S_RTAG] = 0, 0, -1
    if s[S_PENDING] > 0:
        snapshot(s, g, pf)
        s[S_PENDING] = 0


@njit(cache=True)
def halt(st, pi, pf, close_position):  # type: ignore[no-untyped-def]
    """Emergency halt: cancel every order and, if configured, sell the position at market; the
    fills that follow only move the position (a halted strategy places nothing)."""
    s, g = st[0], st[1]
    s[S_HALTED] = 1
    cancel_all(st)
    lots = s[S_POS] // np.int64(pf[PF_BSCALE])  # whole lots: the dust below one stays
    if close_position and lots > 0:
        place(st, pi, pf, SELL, True, 0, lots, TAG_CLOSE, 0, 0, True)
    i = 0
    while i >= 0:
        i = next_fill(st, pf)[0]
    end_drain(s, g, pf)


@njit(cache=True, inline="always")
def place(st, pi, pf, side, market, ticks, lots, tag, tag2, tag3, force):  # type: ignore[no-untyped-def]
    """`place_typed` on int64/bool scalars: numba compiles once per argument types,
    and each literal a caller passes (`0`, `True`) would be a type and a compilation of its own."""
    return place_typed(
        st,
        pi,
        pf,
        np.int64(side),
        np.bool_(market),
        np.int64(ticks),
        np.int64(lots),
        np.int64(tag),
        np.int64(tag2),
        np.int64(tag3),
        np.bool_(force),
    )
