"""The DCA kernel on linear perpetuals (a long DCA): margin, funding and the venue's rules.

Every candle is stepped as `run_grid_linear` steps it (funding up to the open at the last price,
the liquidation watch, the book matched along the path with each fill drained to the bot, the
watch again if a fill moved the position, funding up to the close at the close), then the DCA
decides as `run_dca` has it. A run the kernels cannot reproduce stops (S_LFAIL).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels import linear_venue as lin
from traderagent.backtest.kernels.bot import budget_left
from traderagent.backtest.kernels.dca import (
    DF_N,
    DF_STOP,
    DQ_MAX_SO,
    DS_CYCLE,
    DS_DONE,
    DS_N,
    DS_SL_TAG,
    DS_STOPS,
    DS_TP_TAG,
    open_cycle,
)
from traderagent.backtest.kernels.exact import ticks_of
from traderagent.backtest.kernels.layout import (
    G_AVG,
    G_L0,
    G_QTOT,
    G_START,
    PF_BUNIT,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PI_AUTOSTART,
    PI_INTERVAL,
    S_BFREE,
    S_BLOCK,
    S_LFAIL,
    S_PENDING,
)
from traderagent.backtest.kernels.linear import LP_CHARGES, LP_FUNDING, LP_FUNDING_C, LP_SIZE
from traderagent.backtest.kernels.run_dca import dca_candle, drain
from traderagent.backtest.kernels.run_grid_linear import funded
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
def dca_linear_run(  # type: ignore[no-untyped-def]  # noqa: PLR0913
    ts, op, hi, lo, cl, pi, pf, dq, dp, fac, fts, ffac, paid, capacity, fill_capacity, curve
):
    """Run a long DCA over the candles on a linear venue; arguments and results as
    `grid_linear_run`'s, the plan's as `dca_run`'s."""
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
    lot = pf[PF_BUNIT]
    num, den = pf[PF_TICK_NUM], pf[PF_TICK_DEN]
    record = curve.shape[0] == cl.shape[0]
    peak, max_dd, equity = -np.inf, 0.0, 0.0
    watch = watching(pi, pf)
    day_ends, day0, top = -1, 0.0, -np.inf
    n, k = cl.shape[0], 0
    for i in range(n):
        close = cl[i]
        if i > 0:
            k = funded(st, pf, fts, ffac, paid, k, ts[i], ticks_of(cl[i - 1], num, den))
        low, high = ticks_of(lo[i], num, den), ticks_of(hi[i], num, den)
        if lin.liquidating(s, g, pf, low, high):
            break
        held = g[G_L0 + LP_SIZE]
        path, previous = match(st, pi, pf, ts, op, hi, lo, cl, i)
        j = 0
        while j < 4:
            j, previous = walk_on(st, pi, pf, ts, i, path, j, previous)
            if j < 4:
                drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)
        match_end(st, cl, i)
        drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)
        if g[G_L0 + LP_SIZE] != held and lin.liquidating(s, g, pf, low, high):
            break  # a hair strict: the whole candle, not only the path after the fill
        k = funded(st, pf, fts, ffac, paid, k, ts[i] + pi[PI_INTERVAL], ticks_of(close, num, den))
        if s[S_PENDING] > 0:
            snapshot(s, g, pf)
            s[S_PENDING] = 0
        if i == 0:
            g[G_START] = g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * lot * close
        if pi[PI_AUTOSTART] == 1:
            enter(st, pi, pf, ts, cl, i)
            if i == 0:
                ds[DS_CYCLE] = 1
                open_cycle(st, pi, pf, dp, ds, budget_left(s, g, pf))
            else:
                dca_candle(st, pi, pf, dq, dp, ds, df, wso, lo[i])
            drain(st, pi, pf, dq, dp, ds, df, fac, wso, plp, plq, todo)
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
    m = summary(st, pf, equity, max_dd, ds[DS_DONE], ds[DS_STOPS])
    lp = g[G_L0:]
    extra = np.array([lp[LP_FUNDING] + lp[LP_FUNDING_C], lp[LP_CHARGES], s[S_LFAIL], g[G_AVG]])
    return m, st[6], st[7], extra, paid
