"""The grid kernel: a whole run over candle arrays, with fills, equity and reduced metrics."""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels.blocks import (
    B_CMAX,
    B_CMIN,
    B_HIGH,
    B_LOW,
    BLOCK,
    candle_blocks,
)
from traderagent.backtest.kernels.bot import end_drain, next_fill
from traderagent.backtest.kernels.grid import (
    GP_ABOVE,
    GP_BELOW,
    GP_STOP,
    GR_N,
    GS,
    GS_CYCLES,
    GS_N,
    GS_PHASE,
    GS_SLOTS,
    LV,
    QT,
    RUNNING,
    STOPPED,
    grid_candle,
    grid_fill,
    open_grid,
)
from traderagent.backtest.kernels.layout import (
    G_BB,
    G_BS,
    G_QTOT,
    G_START,
    O_TAG,
    PF_BSCALE,
    PF_BUNIT,
    PF_MAX_LOSS,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PI_AUTOSTART,
    S_BFREE,
    S_BLOCK,
    S_HALTED,
)
from traderagent.backtest.kernels.steps import (
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
from traderagent.backtest.kernels.venue import new_state


@njit(cache=True, inline="always")
def drain(st, pi, pf, gr):  # type: ignore[no-untyped-def]
    """`Engine._drain`: every queued fill to the bot, then to the strategy, oldest first."""
    o = st[2]
    while True:
        i, side, ticks, units = next_fill(st, pf)
        if i < 0:
            break
        grid_fill(st, pi, pf, gr, side, units, o[i, O_TAG])
    end_drain(st[0], st[1], pf)


@njit(cache=True)
def grid_run(ts, op, hi, lo, cl, pi, pf, lv, qt, gp, capacity, fill_capacity, curve, blocks):  # type: ignore[no-untyped-def]
    """Run the grid over the candles. Returns (metrics, fill rows, fill fees); `curve`, when
    it has one slot per candle, receives the account's equity after each candle. `blocks` are
    the candles' `blocks.candle_blocks` (computed here when empty): quiet blocks are skipped."""
    bk = blocks if blocks.shape[0] > 0 else candle_blocks(hi, lo, cl)
    st = new_state(pi, pf, capacity, fill_capacity)
    s, g = st[0], st[1]
    slots = qt.shape[0]
    gr = np.zeros((GR_N, max(slots + 1, GS_N)), np.int64)  # one array: cheaper to pass around
    gr[LV, : slots + 1] = lv
    gr[QT, :slots] = qt * np.int64(pf[PF_BSCALE])  # lots to base units
    gr[GS, GS_SLOTS] = slots
    lot = pf[PF_BUNIT]  # base per base unit
    autostart = pi[PI_AUTOSTART] == 1
    stop = gp[GP_STOP] == 1
    record = curve.shape[0] == cl.shape[0]
    peak, max_dd, floor, equity = -np.inf, 0.0, -np.inf, 0.0
    watch = watching(pi, pf)
    loss = pf[PF_MAX_LOSS] if pf[PF_MAX_LOSS] == pf[PF_MAX_LOSS] else np.inf
    day_ends, day0, top, halt_at = -1, 0.0, -np.inf, -np.inf
    # surely inside: the close is read on the tick, so a close within a tick of a bound may
    # round onto or past it
    tick = pf[PF_TICK_NUM] / pf[PF_TICK_DEN]
    below, above = gp[GP_BELOW] * (1 + 1e-12) + tick, gp[GP_ABOVE] * (1 - 1e-12) - tick
    # a quiet candle reads only locals; they are reloaded after anything happened
    bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
    guard = autostart and stop
    n, i = cl.shape[0], 0
    while i < n:
        if i & (BLOCK - 1) == 0 and i > 0:  # a whole block where nothing can happen?
            b = i // BLOCK
            if (
                bb <= bk[b, B_LOW]
                and bs >= bk[b, B_HIGH]
                and (not guard or (below < bk[b, B_CMIN] and bk[b, B_CMAX] < above))
            ):
                high, low = cash + base * bk[b, B_CMAX], cash + base * bk[b, B_CMIN]
                end = min(i + BLOCK, n)
                if (
                    high <= peak
                    and low >= floor
                    and (
                        not watch
                        or (
                            ts[end - 1] < day_ends
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
        if bb > lo[i] or bs < hi[i]:
            path, previous = match(st, pi, pf, ts, op, hi, lo, cl, i)
            k = 0
            while k < 4:  # each fill reaches the bot where it happens on the candle's path
                k, previous = walk_on(st, pi, pf, ts, i, path, k, previous)
                if k < 4:
                    drain(st, pi, pf, gr)
            match_end(st, cl, i)
            drain(st, pi, pf, gr)
            busy = True
        if i == 0:
            g[G_START] = g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close
            if autostart:
                enter(st, pi, pf, ts, cl, i)
                open_grid(st, pi, pf, gr)
                drain(st, pi, pf, gr)
                busy = True
        elif guard and not below < close < above:
            enter(st, pi, pf, ts, cl, i)
            grid_candle(st, pi, pf, gp, gr)
            drain(st, pi, pf, gr)
            busy = True
        if busy:
            bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
            guard = guard and s[S_HALTED] == 0 and gr[GS, GS_PHASE] == RUNNING
        equity = cash + base * close
        if watch:  # the account's equity watch, tested cheaply before exactly
            if ts[i] >= day_ends:
                day_ends, day0 = day_end(ts[i]), equity
            if equity > top:
                top = equity
                halt_at = halt_floor(pf, top)
            if (equity < halt_at or day0 - equity > loss) and breached(pf, day0, top, equity):
                equity = emergency(st, pi, pf, ts, cl, i)
                watch = guard = False
                bb, bs, cash, base = g[G_BB], g[G_BS], g[G_QTOT], (s[S_BFREE] + s[S_BLOCK]) * lot
        if equity > peak:
            peak = equity
            floor = peak * (1.0 - max_dd)
        elif equity < floor and (peak - equity) / peak > max_dd:
            max_dd = (peak - equity) / peak
            floor = equity
        if record:
            curve[i] = equity
        i += 1
    stops = 1 if gr[GS, GS_PHASE] == STOPPED else 0
    m = summary(st, pf, equity, max_dd, gr[GS, GS_CYCLES], stops)
    return m, st[6], st[7]
