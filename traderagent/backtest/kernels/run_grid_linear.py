"""The grid kernel on linear perpetuals: long, short and neutral grids with margin and funding.

Every candle is stepped as `PaperLinearExchange.walk` and the engine step it (no quiet blocks
skipped: funding and liquidation are looked at on each): the funding marks up to the candle's
open are settled at the last price, the position as held at the open is checked against the
liquidation price (`linear_liquidation`: a liquidation is drained to the bot at once and the
grid resumes), the book is matched along the path (each fill drained to the bot where it
happens), the position a fill changed is checked again along the rest of the path from its last
fill's point, the marks up to the close are settled
at the close (a charge refreshes the engine's balances, as its drain does), then the strategy
decides on the close. A run the kernels cannot reproduce stops (S_LFAIL, see `linear_venue`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels import linear_liquidation as liq
from traderagent.backtest.kernels import linear_venue as lin
from traderagent.backtest.kernels.exact import on_tick, ticks_of
from traderagent.backtest.kernels.grid import (
    GP_DIR,
    GR_N,
    GS,
    GS_CYCLES,
    GS_DIR,
    GS_N,
    GS_PHASE,
    GS_SLOTS,
    LV,
    QT,
    STOPPED,
    open_grid,
)
from traderagent.backtest.kernels.layout import (
    G_AVG,
    G_L0,
    G_MARK,
    G_QTOT,
    G_REAL,
    G_START,
    G_VENUE,
    PF_BSCALE,
    PF_BUNIT,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PI_AUTOSTART,
    PI_INTERVAL,
    S_BFREE,
    S_BLOCK,
    S_FILLS,
    S_LFAIL,
    S_PENDING,
)
from traderagent.backtest.kernels.linear import LP_CHARGES, LP_FUNDING, LP_FUNDING_C
from traderagent.backtest.kernels.run_grid import drain
from traderagent.backtest.kernels.steps import (
    breached,
    day_end,
    enter,
    match,
    match_end,
    summary,
    walk_on,
    watching,
)
from traderagent.backtest.kernels.venue import new_state, snapshot


@njit(cache=True)
def funded(st, pf, fts, ffac, paid, k, until, mark):  # type: ignore[no-untyped-def]
    """Settle the funding marks due up to `until` at `mark` (ticks); a charge is an update
    the engine drains, refreshing its balances, and a realised cost of the bot."""
    s, g = st[0], st[1]
    lp = g[G_L0:]
    before, total = lp[LP_CHARGES], lp[LP_FUNDING] + lp[LP_FUNDING_C]
    k = lin.fund(s, g, pf, fts, ffac, paid, k, until, mark)
    if lp[LP_CHARGES] > before:
        g[G_REAL] -= lp[LP_FUNDING] + lp[LP_FUNDING_C] - total
        s[S_PENDING] += 1
    return k


@njit(cache=True)
def liquidated(st, pi, pf, gr, when):  # type: ignore[no-untyped-def]
    """The venue liquidates the position at `when` (ms); the engine drains the cancels and
    the fill, and the grid resumes (`GridStrategy.on_resume`)."""
    if liq.liquidate(st, pf, when):
        drain(st, pi, pf, gr)


@njit(cache=True)
def grid_linear_run(  # type: ignore[no-untyped-def]  # noqa: PLR0913
    ts, op, hi, lo, cl, pi, pf, lv, qt, gp, fts, ffac, paid, capacity, fill_capacity, curve
):
    """Run the grid over the candles on a linear venue; `fts`/`ffac` are the funding marks
    and their factors (`linear_prepare.funding_schedule`); `paid` (one slot per mark, NaN)
    receives the fee charged at each. Returns (metrics, fill rows, fill fees, (funding paid,
    funding charges, S_LFAIL, average entry), `paid`); `curve`, when it has one slot per
    candle, receives the account's equity after each candle."""
    st = new_state(pi, pf, capacity, fill_capacity)
    s, g = st[0], st[1]
    slots = qt.shape[0]
    gr = np.zeros((GR_N, max(slots + 1, GS_N)), np.int64)
    gr[LV, : slots + 1] = lv
    gr[QT, :slots] = qt * np.int64(pf[PF_BSCALE])
    gr[GS, GS_SLOTS] = slots
    gr[GS, GS_DIR] = np.int64(gp[GP_DIR])
    lot = pf[PF_BUNIT]
    num, den = pf[PF_TICK_NUM], pf[PF_TICK_DEN]
    record = curve.shape[0] == cl.shape[0]
    peak, max_dd, equity = -np.inf, 0.0, 0.0
    n, k = cl.shape[0], 0
    watch = watching(pi, pf)
    step = pi[PI_INTERVAL]
    day_ends, day0, top = -1, 0.0, -np.inf
    for i in range(n):
        close = cl[i]
        if i > 0:
            k = funded(st, pf, fts, ffac, paid, k, ts[i], ticks_of(cl[i - 1], num, den))
        low, high = ticks_of(lo[i], num, den), ticks_of(hi[i], num, den)
        when = liq.at_open(st, pf, ticks_of(op[i], num, den), low, high, ts[i], step)
        if when >= 0:  # before the walk: the venue at the last close, the engine at this one
            enter(st, pi, pf, ts, cl, i)
            g[G_VENUE] = cl[i - 1]
            g[G_MARK] = on_tick(cl[i - 1], num, den)
            liquidated(st, pi, pf, gr, when)
        if s[S_LFAIL] != 0:
            break
        path, previous = match(st, pi, pf, ts, op, hi, lo, cl, i)
        j, last = 0, -1
        while j < 4:
            fills = s[S_FILLS]
            j, previous = walk_on(st, pi, pf, ts, i, path, j, previous)
            if j < 4:
                last = j if s[S_FILLS] > fills else last
                drain(st, pi, pf, gr)
        match_end(st, cl, i)
        drain(st, pi, pf, gr)
        if last >= 0:  # a fill changed the position: the rest of the path from its point
            when = liq.on_rest(st, pf, path, last, ts[i], step)
            if when >= 0:
                liquidated(st, pi, pf, gr, when)
        if s[S_LFAIL] != 0:
            break
        g[G_VENUE] = close
        k = funded(st, pf, fts, ffac, paid, k, ts[i] + pi[PI_INTERVAL], ticks_of(close, num, den))
        if s[S_PENDING] > 0:
            snapshot(s, g, pf)
            s[S_PENDING] = 0
        if i == 0:
            g[G_START] = g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close
            if pi[PI_AUTOSTART] == 1:
                enter(st, pi, pf, ts, cl, i)
                open_grid(st, pi, pf, gr)
                drain(st, pi, pf, gr)
        if s[S_LFAIL] != 0:
            break
        equity = g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close
        if watch:  # the account's equity watch: a halt is not reproduced, it fails closed
            if ts[i] >= day_ends:
                day_ends, day0 = day_end(ts[i]), equity
            top = max(top, equity)
            if breached(pf, day0 * (1 + 1e-9), top * (1 + 1e-9), equity):
                s[S_LFAIL] = lin.FAIL_HALT
                break
        if equity > peak:
            peak = equity
        elif peak > 0 and (peak - equity) / peak > max_dd:
            max_dd = (peak - equity) / peak
        if record:
            curve[i] = equity
    stops = 1 if gr[GS, GS_PHASE] == STOPPED else 0
    m = summary(st, pf, equity, max_dd, gr[GS, GS_CYCLES], stops)
    lp = g[G_L0:]
    extra = np.array([lp[LP_FUNDING] + lp[LP_FUNDING_C], lp[LP_CHARGES], s[S_LFAIL], g[G_AVG]])
    return m, st[6], st[7], extra, paid
