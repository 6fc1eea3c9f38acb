"""What every kernel does around its strategy on each candle: the engine's step, in its order.

Per candle (`Engine._step`): the venue matches the book along the candle's path, each fill
reaching the bot where it happens (what the strategy does then, a cancel say, applies from that
point of the path on); the strategy decides on the close; the fills of its market orders reach
it; then the account's equity watch may halt the bot. The figures that every run reports are
gathered here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from traderagent.backtest.kernels.bot import DAY_MS, halt
from traderagent.backtest.kernels.exact import on_tick
from traderagent.backtest.kernels.layout import (
    G_CLOSE,
    G_FEES,
    G_FEES_C,
    G_FEEV,
    G_MARK,
    G_QTOT,
    G_REAL,
    G_START,
    G_VENUE,
    M_CYCLES,
    M_FEES,
    M_FILLS,
    M_FINAL,
    M_HALT_TS,
    M_HALTED,
    M_MAX_DD_PCT,
    M_N,
    M_ORDERS,
    M_PNL,
    M_POSITION,
    M_REALISED,
    M_REJ_ALLOC,
    M_REJ_FUNDS,
    M_REJ_MIN,
    M_REJ_STOP,
    M_REJ_TRIG,
    M_RETURN_PCT,
    M_START,
    M_STOPS,
    M_VALID,
    PF_BUNIT,
    PF_MAX_DD,
    PF_MAX_LOSS,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PI_AUTOSTART,
    PI_CLOSE_ON_HALT,
    PI_INTERVAL,
    S_BFREE,
    S_BLOCK,
    S_FILLS,
    S_HALT_TS,
    S_HALTED,
    S_I,
    S_NOW,
    S_OVERFLOW,
    S_PLACED,
    S_POS,
    S_REJ_ALLOC,
    S_REJ_FUNDS,
    S_REJ_MIN,
    S_REJ_STOP,
    S_REJ_TRIG,
    S_VNOW,
    S_WALK,
)
from traderagent.backtest.kernels.venue import join_deferred, walk_from, walk_path

UNCOUNTED: dict[str, Any] = {"cache": True, "_nrt": False}
"""`njit` options of a kernel function that neither allocates nor returns an array: compiled
without numba's reference counting, which increfs and decrefs (atomically) each array a call
is passed, about a third of a DCA run's time. Its callers hold the arrays for the whole call."""


@njit(**UNCOUNTED)
def enter_typed(st, pi, pf, ts, cl, i):  # type: ignore[no-untyped-def]
    """Candle i's context: the engine clock at its close, its close as the last price (the
    venue's as it is, the bot's on the tick)."""
    st[0][S_I] = i
    st[0][S_NOW] = st[0][S_VNOW] = ts[i] + pi[PI_INTERVAL]
    st[1][G_CLOSE] = st[1][G_VENUE] = cl[i]
    st[1][G_MARK] = on_tick(cl[i], pf[PF_TICK_NUM], pf[PF_TICK_DEN])  # `BotRuntime.see_price`


@njit(cache=True, inline="always")
def match(st, pi, pf, ts, op, hi, lo, cl, i):  # type: ignore[no-untyped-def]
    """Start candle i and the venue's walk of its path: (the path, the price before it). The
    caller walks it with `walk_on`, draining each fill to the bot where it happens (the bot's
    cancels apply from there), then ends it with `match_end`."""
    s, g = st[0], st[1]
    enter(st, pi, pf, ts, cl, i)
    previous = cl[i - 1] if i > 0 else np.nan
    # the bot has not seen this candle yet
    g[G_MARK] = on_tick(previous, pf[PF_TICK_NUM], pf[PF_TICK_DEN]) if i > 0 else np.nan
    path = walk_path(g, pi, pf, op[i], hi[i], lo[i], cl[i])
    s[S_WALK] = 1
    return path, g[G_MARK]  # the last close, on the tick, as the path's points are


@njit(cache=True, inline="always")
def walk_on(st, pi, pf, ts, i, path, k, previous):  # type: ignore[no-untyped-def]
    """`venue.walk_from` on the state: the point of the next fill, or 4 at the walk's end."""
    s, g, o, ok, free, q, fo, ff = st
    return walk_from(s, g, o, ok, free, q, fo, ff, pi, pf, ts[i], path, k, previous)


@njit(cache=True, inline="always")
def match_end(st, cl, i):  # type: ignore[no-untyped-def]
    """The walk is over: orders placed during it join the book; the venue is at the close."""
    s, g = st[0], st[1]
    join_deferred(s, g, st[2], st[3], st[4])
    g[G_VENUE], s[S_VNOW] = cl[i], s[S_NOW]


@njit(cache=True)
def account_equity(st, pf, close):  # type: ignore[no-untyped-def]
    s, g = st[0], st[1]
    return g[G_QTOT] + (s[S_BFREE] + s[S_BLOCK]) * pf[PF_BUNIT] * close


@njit(cache=True)
def watching(pi, pf):  # type: ignore[no-untyped-def]
    """Whether the account's equity watch can halt the bot at all."""
    limits = pf[PF_MAX_DD] == pf[PF_MAX_DD] or pf[PF_MAX_LOSS] == pf[PF_MAX_LOSS]
    return limits and pi[PI_AUTOSTART] == 1


@njit(cache=True)
def day_end(ts):  # type: ignore[no-untyped-def]
    return (ts // DAY_MS + 1) * DAY_MS


@njit(cache=True)
def breached(pf, day0, peak, equity):  # type: ignore[no-untyped-def]
    """`EquityWatch.observe`'s test: the daily loss first, then the drawdown from the peak."""
    loss, limit = pf[PF_MAX_LOSS], pf[PF_MAX_DD]
    if loss == loss and day0 - equity > loss:
        return True
    return limit == limit and peak > 0 and (peak - equity) / peak * 100.0 > limit


@njit(cache=True)
def halt_floor(pf, peak):  # type: ignore[no-untyped-def]
    """Equity above which the drawdown limit surely holds (a quick test before `breached`)."""
    limit = pf[PF_MAX_DD]
    return peak * (1.0 - limit / 100.0) * (1.0 + 1e-9) if limit == limit else -np.inf


@njit(cache=True)
def emergency_typed(st, pi, pf, ts, cl, i):  # type: ignore[no-untyped-def]
    """The halt a breach causes after candle i; the account's equity after it."""
    enter(st, pi, pf, ts, cl, i)
    st[0][S_HALT_TS] = st[0][S_NOW]
    halt(st, pi, pf, pi[PI_CLOSE_ON_HALT] == 1)
    return account_equity(st, pf, cl[i])


@njit(cache=True)
def summary(st, pf, final, max_dd, cycles, stops):  # type: ignore[no-untyped-def]
    """The reduced metrics of a finished run (see `layout.METRIC_NAMES`)."""
    s, g = st[0], st[1]
    m = np.zeros(M_N)
    start = g[G_START]
    m[M_FINAL], m[M_START], m[M_PNL] = final, start, final - start
    m[M_RETURN_PCT] = (final - start) / start * 100.0 if start > 0 else 0.0
    m[M_FEES] = g[G_FEES] + g[G_FEES_C] + g[G_FEEV]
    m[M_MAX_DD_PCT] = max_dd * 100.0
    m[M_FILLS], m[M_ORDERS] = s[S_FILLS], s[S_PLACED]
    m[M_CYCLES], m[M_STOPS], m[M_HALTED] = cycles, stops, s[S_HALTED]
    m[M_POSITION] = s[S_POS] * pf[PF_BUNIT]
    m[M_REALISED] = g[G_REAL]
    m[M_VALID] = 0.0 if s[S_OVERFLOW] == 1 else 1.0
    m[M_HALT_TS] = s[S_HALT_TS] if s[S_HALTED] == 1 else -1.0
    m[M_REJ_MIN], m[M_REJ_FUNDS], m[M_REJ_STOP] = s[S_REJ_MIN], s[S_REJ_FUNDS], s[S_REJ_STOP]
    m[M_REJ_ALLOC], m[M_REJ_TRIG] = s[S_REJ_ALLOC], s[S_REJ_TRIG]
    return m


@njit(cache=True, inline="always")
def enter(st, pi, pf, ts, cl, i):  # type: ignore[no-untyped-def]
    """`enter_typed` on int64/bool scalars: numba compiles once per argument types,
    and each literal a caller passes (`0`, `True`) would be a type and a compilation of its own."""
    return enter_typed(st, pi, pf, ts, cl, np.int64(i))


@njit(cache=True, inline="always")
def emergency(st, pi, pf, ts, cl, i):  # type: ignore[no-untyped-def]
    """`emergency_typed` on int64/bool scalars: numba compiles once per argument types,
    and each literal a caller passes (`0`, `True`) would be a type and a compilation of its own."""
    return emergency_typed(st, pi, pf, ts, cl, np.int64(i))
