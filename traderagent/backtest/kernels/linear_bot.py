"""The bot's side of linear perpetuals inside the kernels, as `traderagent.engine` does it on a
perpetual venue: a signed position (`Position.apply_signed`, fees in quote), the capital at
risk by margin (`allocator.margin_committed`), and the allocator budgeting what an order opens,
either side, by its margin (`refusals.fit_to_budget`).

The allocator is reproduced only where it lets an order through whole: an order it would cut
or refuse (or so nearly that the engine's Decimals might) stops the run (S_LFAIL), and the
fast backtest refuses it (the engine backtest runs it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from traderagent.backtest.kernels.exact import price_of
from traderagent.backtest.kernels.layout import (
    BUY,
    G_AVG,
    G_CLOSE,
    G_MARK,
    G_REAL,
    G_SNAP_FREE,
    G_SNAP_Q,
    PF_LOT,
    PF_RESERVE,
    PF_SHARE,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    S_COMMIT,
    S_COMMITS,
    S_LFAIL,
    S_POS,
)
from traderagent.backtest.kernels.linear import (
    LC_ILEV_HI,
    LC_UNIT_HI,
    LC_UNIT_LO,
    LP_AVG_HI,
    LP_AVG_LO,
    LP_SIZE,
    fill_fee,
)
from traderagent.backtest.kernels.linear_venue import (
    FAIL_MARGIN,
    TIGHT,
    constants,
    position,
)


@njit(cache=True)
def committed(s, g, pf):  # type: ignore[no-untyped-def]
    """`margin_committed`: the margin of the bot's position and of its resting limit orders
    that open (on the position's side, either side when flat)."""
    held = s[S_POS]
    notional = abs(held) * pf[PF_LOT] * g[G_AVG]
    if held >= 0:
        notional += s[S_COMMIT] * pf[PF_UNIT]
    if held <= 0:
        notional += s[S_COMMITS] * pf[PF_UNIT]
    return notional * constants(pf)[LC_ILEV_HI]


@njit(cache=True)
def equity(g, pf):  # type: ignore[no-untyped-def]
    """The engine's equity: the balances it last refreshed plus the unrealised PnL at the
    close (the engine's price: the close as it is, not on the tick)."""
    lp, lc = position(g), constants(pf)
    ticks = g[G_CLOSE] * pf[PF_TICK_DEN] / pf[PF_TICK_NUM]
    dh = ticks - (lp[LP_AVG_HI] + lp[LP_AVG_LO])
    return g[G_SNAP_Q] + dh * lp[LP_SIZE] * (lc[LC_UNIT_HI] + lc[LC_UNIT_LO])


@njit(cache=True)
def budget(s, g, pf):  # type: ignore[no-untyped-def]
    """The strategy context's `budget` on a perpetual venue: the allocator's budget less the
    margin committed."""
    return equity(g, pf) * pf[PF_SHARE] - committed(s, g, pf)


@njit(cache=True)
def fit(s, g, pf, side, market, ticks, lots, reduce_only):  # type: ignore[no-untyped-def]
    """`fit_to_budget` on a perpetual venue: the order's lots when what it opens fits the
    budget and the free quote with room to spare (its cost then comes off the free quote the
    rest of the batch sees), else -1 with S_LFAIL set."""
    held = s[S_POS]
    closing = 0
    if reduce_only:
        closing = lots
    elif side == BUY and held < 0:
        closing = min(lots, -held)
    elif side != BUY and held > 0:
        closing = min(lots, held)
    if closing >= lots:
        return lots  # it only reduces the position: no capital
    price = g[G_MARK] if market else price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    if not price > 0:
        return lots
    rate = constants(pf)[LC_ILEV_HI] + pf[PF_RESERVE]
    cost = (lots - closing) * pf[PF_LOT] * price * rate
    room = budget(s, g, pf)
    free = g[G_SNAP_FREE]
    if cost <= room * (1.0 - TIGHT) and cost <= free * (1.0 - TIGHT):
        g[G_SNAP_FREE] = free - cost
        return lots
    s[S_LFAIL] = FAIL_MARGIN
    return -1


@njit(cache=True)
def bot_fill(s, g, pf, side, ticks, lots, taker, market):  # type: ignore[no-untyped-def]
    """`BotRuntime.on_fill` on a perpetual venue: the signed position and its average entry
    move (`Position.apply_signed`), the PnL closed less the fee is realised, the order no
    longer counts as committed. `taker` 2: a liquidation's close (a BustTrade), without a fee."""
    price = price_of(ticks, pf[PF_TICK_NUM], pf[PF_TICK_DEN])
    fh, fl = fill_fee(constants(pf), ticks, lots, taker) if taker != 2 else (0.0, 0.0)
    held = s[S_POS]
    moved = lots if side == BUY else -lots
    qty = held + moved
    if held == 0 or (held > 0) == (moved > 0):
        g[G_AVG] = (g[G_AVG] * abs(held) + price * abs(moved)) / abs(qty) if qty != 0 else 0.0
    else:
        closed = min(abs(moved), abs(held))
        g[G_REAL] += (price - g[G_AVG]) * closed * pf[PF_LOT] * (1.0 if held > 0 else -1.0)
        if qty == 0:
            g[G_AVG] = 0.0
        elif (qty > 0) != (held > 0):
            g[G_AVG] = price
    g[G_REAL] -= fh + fl
    s[S_POS] = np.int64(qty)
    if not market:
        if side == BUY:
            s[S_COMMIT] -= ticks * lots
        else:
            s[S_COMMITS] -= ticks * lots
