"""Where each figure lives in the kernels' flat state arrays (numba reads these as constants).

A run's constants are two arrays, `pi` (int64) and `pf` (float64); its mutable state is `s`
(int64) and `g` (float64) plus the order pool `o`/`ok`, the fill queue `q` and the fill record
`fo`/`ff`. Flat arrays keep the kernels free of jitclasses, which compile slowly and cache badly.
"""

from __future__ import annotations

from traderagent.backtest.kernels.linear import LC_N, LP_N

# -- pi: int64 constants of a run ---------------------------------------------------------------
PI_MIN_LOTS = 0  # smallest quantity, in lots (ceiling)
PI_MIN_UNITS = 1  # smallest notional, in units of tick x lot (ceiling)
PI_FILL_MODEL = 2  # 0 pessimistic, 1 ohlc, 2 olhc
PI_INTERVAL = 3  # candle interval, ms
PI_CLOSE_ON_HALT = 4  # 1: an emergency halt also sells the position at market
PI_Q0 = 5  # opening quote balance, units
PI_B0 = 6  # opening base balance, base units (lot / PF_BSCALE)
PI_AUTOSTART = 7  # 0: the bot never starts
PI_N = 8

# -- pf: float64 constants of a run -------------------------------------------------------------
PF_TICK_NUM = 0  # tick = TICK_NUM / TICK_DEN exactly, both integers held in floats
PF_TICK_DEN = 1
PF_LOT = 2  # float(lot)
PF_UNIT = 3  # float(tick x lot): quote per unit of notional
PF_MAKER = 4  # float(tick x lot x maker rate): a sell's fee in quote
PF_TAKER = 5  # float(tick x lot x taker rate)
PF_LOCK = 6  # float(tick x lot x lock rate): the fee a resting buy reserves (0 on spot)
PF_SHARE = 7  # the bot's budget as a fraction of equity
PF_MAX_DD = 8  # drawdown halt, percent (NaN: off)
PF_MAX_LOSS = 9  # daily loss halt, quote (NaN: off)
PF_BSCALE = 10  # base units per lot, 10**k (k: decimals of the fee rates), an integer
PF_BFEE_MAKER = 11  # a maker buy's fee per lot, base units (an integer: lot x rate is exact)
PF_BFEE_TAKER = 12  # a taker buy's fee per lot, base units
PF_BUNIT = 13  # float(lot / PF_BSCALE): base per base unit
PF_RESERVE = 14  # the venue's lock rate: the fee the allocator reserves with a buy (a fraction)
PF_LIN = 15  # 1.0: the venue trades linear perpetuals (`linear.py`), 0.0: spot
PF_L0 = 16  # where the linear constants (`linear.LC_*`) start
PF_N = PF_L0 + LC_N

# -- s: int64 state -----------------------------------------------------------------------------
S_Q = 0  # quote balance before fees, units (free + locked)
S_QLOCK = 1  # notional of the resting buys, units (their lock is this x (1 + lock rate))
S_BFREE = 2  # base free, base units (a buy credits its lots less its fee in base)
S_BLOCK = 3  # base locked by resting sells, base units
S_POS = 4  # the bot's position, base units (sold in whole lots: what is below one is dust)
S_SEQ = 5  # arrival counter of the orders (FIFO at one price)
S_QN = 6  # fills queued for the bot
S_PENDING = 7  # venue updates since the last drain (a drain that saw any refreshes balances)
S_FILLS = 8  # fills executed (recorded while below the record's capacity)
S_PLACED = 9  # orders the bot sent (accepted or not), as the engine counts them
S_COMMIT = 10  # notional of the bot's open limit buys, units
S_HALTED = 11  # 1 after an emergency halt
S_NFREE = 12  # ids on the free stack
S_SNAP_B = 13  # base total at the last balance refresh, base units
S_I = 14  # candle being stepped
S_NOW = 15  # engine time (the candle's close time), ms
S_HWM = 16  # one past the highest order id ever used (scans stop there)
S_NBUY = 17  # resting buys, best last in `free[1]`
S_DAY = 18  # UTC day of the equity watch
S_QH = 19  # next queued fill for the bot
S_NSELL = 20  # resting sells, best last in `free[2]`
S_OVERFLOW = 21  # 1 if the order pool ran out (a bug: the run is not trusted)
S_HALT_TS = 22  # engine time of the emergency halt, ms (when S_HALTED)
S_NSTOP = 23  # resting sell stops, best (highest trigger) last in `free[3]`
S_REJ_MIN = 24  # orders refused (execution's pre-check or the venue): below the minimum size
S_REJ_FUNDS = 25  # orders the venue refused: the free balance could not cover them
S_REJ_STOP = 26  # stop orders the venue refused: the trigger was already through the last price
S_VNOW = 27  # the venue's time: the path point being walked, else the engine's (S_NOW)
S_WALK = 28  # 1 while a candle is walked: a new resting order joins the book after it
S_NDEFER = 29  # orders placed during the walk, waiting in `free[4]` to join the book
S_REJ_ALLOC = 30  # buys the allocator refused (never sent): no capital left for them
S_RTAG = 31  # a triggered stop the venue just refused, for its bot: its tag (-1: none)
S_RTAG2 = 32  # and its second and third tag fields
S_RTAG3 = 33
S_REJ_TRIG = 34  # triggered stops the venue refused: the free balance could not cover them
S_QOPEN = 35  # linear: notional of what the resting orders open (their margin), units
S_COMMITS = 36  # linear: notional of the bot's open limit sells, units
S_RONLY = 37  # linear: 1 makes the next order placed reduce-only (`place` resets it)
S_LFAIL = 38  # linear: why the run cannot go on exactly (`linear_venue.FAIL_*`), 0 while it can
S_LIN = 39  # 1: the venue trades linear perpetuals (PF_LIN)
S_N = 40

# -- g: float64 state ---------------------------------------------------------------------------
G_FEES = 0  # fees paid in quote (compensated sum)
G_FEES_C = 1
G_QTOT = 2  # quote total after fees, as a float
G_SNAP_Q = 3  # quote total at the last balance refresh
G_SNAP_FREE = 4  # free quote at the last balance refresh
G_AVG = 5  # the position's average price
G_REAL = 6  # realised PnL net of fees
G_BB = 7  # best resting buy price (-inf: none)
G_BS = 8  # best resting sell price (+inf: none)
G_CLOSE = 9  # the close being stepped: the venue's last price
G_MARK = 13  # the bot's last price: the previous close until the bot sees this candle
G_PEAK = 10  # equity watch: peak
G_DAY0 = 11  # equity watch: equity at the day's first candle
G_START = 12  # equity at the first close, before any trade
G_SS = 14  # best resting sell stop trigger (-inf: none)
G_FEEV = 15  # fees paid in base, valued at their fills' prices (quote)
G_VENUE = 16  # the venue's last price: the path point being walked, else G_CLOSE
G_L0 = 17  # linear: where the position and wallet (`linear.LP_*`) start
G_N = G_L0 + LP_N

# -- o: one row per order -----------------------------------------------------------------------
O_SIDE = 0  # 0 buy, 1 sell
O_TICKS = 1
O_LOTS = 2
O_TAG = 3  # strategy's tag (grid: 2k buy / 2k+1 sell of slot k; DCA: the order kind)
O_TAG2 = 4  # DCA: cycle number
O_TAG3 = 5  # DCA: safety order number or take-profit version
O_SEQ = 6
O_VENUE = 7  # 1 while it rests on the venue's book
O_BOT = 8  # 1 while the bot tracks it as open (until its fill reaches the bot)
O_TAKER = 9  # 1: marketable on arrival, fills as taker
O_MARKET = 10  # 1: a market order (no price: not part of the bot's committed capital)
O_STOP = 11  # 1: a sell stop (its ticks are the trigger until it fills; it locks nothing)
O_UNITS = 12  # its quantity in base units (what a sell locks)
O_OPEN = 13  # linear: the lots it opens beyond closing the position (what it locks margin for)
O_RONLY = 14  # linear: 1 for a reduce-only order
O_N = 15

# -- q: fills waiting for the bot ---------------------------------------------------------------
Q_ID = 0
Q_TS = 1
Q_TAKER = 2
Q_N = 3

# -- fo: the fill record ------------------------------------------------------------------------
F_CANDLE = 0
F_TS = 1
F_SIDE = 2
F_TICKS = 3
F_LOTS = 4
F_TAKER = 5
F_TAG = 6
F_BFEE = 7  # a buy's fee in base units (its fee in quote, in `ff`, is then 0)
F_N = 8

# order tags shared by the kernels
TAG_CLOSE = -3  # the halt's market sell
TAG_LIQ = -4  # a linear venue's liquidation of the position (the engine's tag "liquidation")
BUY = 0
SELL = 1

# -- m: the reduced metrics of one run (a row of `sweep_grid`'s matrix) --------------------------
M_FINAL = 0  # final equity, quote
M_START = 1  # equity at the first close, before any trade
M_PNL = 2  # final - start
M_RETURN_PCT = 3
M_FEES = 4
M_MAX_DD_PCT = 5  # largest fall of the per-candle equity from its peak, percent
M_FILLS = 6
M_ORDERS = 7  # orders the bot sent
M_CYCLES = 8  # grid: completed buy-sell cycles; DCA: cycles closed by take profit
M_STOPS = 9  # grid: 1 if it stopped outside its range; DCA: stop losses
M_HALTED = 10  # 1 if the account's risk limits halted the bot
M_POSITION = 11  # base held at the end
M_REALISED = 12  # realised PnL net of fees
M_VALID = 13  # 0 when the configuration cannot trade (levels collapse, orders too small)
M_HALT_TS = 14  # engine time of the halt (the breaching candle's close), ms; -1 when not halted
M_REJ_MIN = 15  # orders refused as below the minimum size (quantity or notional)
M_REJ_FUNDS = 16  # orders refused for want of free balance
M_REJ_STOP = 17  # stop orders refused: their trigger was already through the last price
M_REJ_ALLOC = 18  # buys the allocator refused (never sent to the venue)
M_REJ_TRIG = 19  # triggered stops refused: the free balance could not cover them
M_N = 20
METRIC_NAMES = (
    "final_equity",
    "start_equity",
    "net_pnl",
    "return_pct",
    "fees",
    "max_drawdown_pct",
    "fills",
    "orders",
    "cycles",
    "stops",
    "halted",
    "position",
    "realised_pnl",
    "valid",
    "halt_ts",
    "rejected_min",
    "rejected_funds",
    "rejected_stop",
    "allocator_refused",
    "rejected_trigger",
)
