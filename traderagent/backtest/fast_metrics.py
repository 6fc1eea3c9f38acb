"""A kernel run's equity curve and `Metrics` straight from its fill rows: the values
`fast.kernel_run` gets by building every `Fill`, at a fraction of the cost.

Money stays exact. A fill's cash and base moves are whole numbers of (tick x lot) / `scale`
and lot / `scale` (`scale`: the base units per lot, which make every fee whole), so the
balances after each fill are integers; their float64 values (the curve's) are correctly
rounded divisions, the very floats `equity_curve` takes of its Decimals. The final cash and
base are those integers as Decimals with the exponent Decimal arithmetic gives the fill by
fill sums. The curve and its figures run in numba with numpy's summation order
(`kernels.figures`); the round trips are `trades.round_trips`' Decimal arithmetic on the rows.

A halted run (its halt is worded from the fills) or balances too large for int64 are left to
`kernel_run`: `quick_run` returns None for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.metrics import FLAT, YEAR_MS, Metrics
from traderagent.backtest.rejections import (
    BELOW_MINIMUM,
    INSUFFICIENT,
    STOP_THROUGH,
    STOP_UNCOVERED,
    counted_rejections,
)
from traderagent.config import AppConfig
from traderagent.domain import ZERO
from traderagent.marketdata import CandleSeries

if TYPE_CHECKING:
    from traderagent.backtest.kernels import FastResult

IntArray = npt.NDArray[np.int64]
EXACT_FLOAT = 2**53
"""Integers below this are exact float64s: their division is then correctly rounded."""
INT64_ROOM = 2**62
TripRow = tuple[int, Decimal, Decimal, Decimal, Decimal]
"""A round trip of the run's bot: (ts, qty, entry, exit, pnl), `trades.RoundTrip`'s fields
after its bot (a plain tuple: the metrics do not pay for objects only a report reads)."""


def fee_places(*steps: Decimal) -> Decimal:
    """The unit of an exact fee: price tick x lot x fee rate has at most this many decimals
    (lot x fee rate for a fee in the base coin: pass a tick of 1). The kernel's float64 fee
    rounded to it is the engine's Decimal fee (its error is ~1e-17)."""
    tick, lot, *rates = steps
    digits = -(exponent(tick) + exponent(lot) + min(exponent(r) for r in rates))
    return Decimal(1).scaleb(-max(digits, 0))


def exponent(value: Decimal) -> int:
    found = value.normalize().as_tuple().exponent
    return found if isinstance(found, int) else 0


def _exp(value: Decimal) -> int:
    """The exponent of `value` as it is (not normalised): what Decimal sums keep."""
    found = value.as_tuple().exponent
    return found if isinstance(found, int) else 0


def _floats(whole: IntArray, num: int, den: int) -> npt.NDArray[np.float64]:
    """whole x num / den, each correctly rounded (as float() of the exact Decimal)."""
    top = int(np.abs(whole).max(initial=0)) * num
    if top < EXACT_FLOAT and den < EXACT_FLOAT:
        return np.asarray(whole * float(num) / float(den), np.float64)
    return np.array([w * num / den for w in whole.tolist()], np.float64)


def _decimal(whole: int, step: Decimal, scale: int, exp: int) -> Decimal:
    """whole x step / scale, written with exponent `exp` (a sum of terms with exponents
    >= exp, as Decimal addition writes it)."""
    exact = (Decimal(whole) * step).scaleb(-(len(str(scale)) - 1))
    return exact.quantize(Decimal(1).scaleb(exp))


@dataclass(frozen=True, slots=True)
class Books:
    """A run's cash and base after each fill, as integers of (tick x lot) / scale and lot /
    scale, with the exact starting and final equity (what the curve and metrics start from)."""

    cash: IntArray
    held: IntArray
    buy: npt.NDArray[np.bool_]
    sell_fee: IntArray
    starting: Decimal
    final: Decimal
    places: Decimal
    base_places: Decimal


def books(config: AppConfig, fast: FastResult, window: CandleSeries) -> Books | None:
    """`fast`'s balances fill by fill and its exact ends (None: use `kernel_run`)."""
    from traderagent.backtest.kernels.layout import F_BFEE, F_LOTS, F_SIDE, F_TAKER, F_TICKS

    if fast.halt_ts is not None or len(window) == 0 or fast.linear:
        return None  # a linear run's fees are all in quote, and it pays funding
    inst, paper = fast.instrument, config.paper
    tick, lot, scale = inst.tick_size, inst.lot_size, fast.base_scale
    maker, taker = paper.maker_fee * scale, paper.taker_fee * scale
    if maker != maker.to_integral_value() or taker != taker.to_integral_value():
        return None
    rows = fast.rows
    buy = rows[:, F_SIDE] == 0
    lots, bfee = rows[:, F_LOTS], rows[:, F_BFEE]
    notional = rows[:, F_TICKS] * lots  # ticks x lots
    if int(np.abs(notional).sum()) * scale * 2 >= INT64_ROOM:
        return None
    rate = np.where(rows[:, F_TAKER] == 1, int(taker), int(maker))
    sell_fee = np.where(buy, 0, notional * rate)  # units x scale... of tick x lot / scale
    cash_moves = np.where(buy, -notional * scale, notional * scale - sell_fee)
    base_moves = np.where(buy, lots * scale - bfee, -lots * scale)
    balances = paper.balances
    cash0, held0 = balances.get(inst.quote, ZERO), balances.get(inst.base, ZERO)
    unit = tick * lot
    cash_units = int(cash0 / unit) * scale  # whole: `venue_arrays` refuses anything else
    held_units = int(held0 / lot) * scale
    cash = np.concatenate(([cash_units], cash_units + np.cumsum(cash_moves)))
    held = np.concatenate(([held_units], held_units + np.cumsum(base_moves)))
    # the exact ends, written as the fill-by-fill Decimal sums write them
    places = fee_places(tick, lot, paper.maker_fee, paper.taker_fee)
    base_places = fee_places(Decimal(1), lot, paper.maker_fee, paper.taker_fee)
    count, sells = len(rows), int((~buy).sum())
    cash_exp = min(
        [_exp(cash0)]
        + ([_exp(tick) + _exp(lot)] if count else [])
        + ([_exp(places)] if sells else [])
        + ([0] if count > sells else [])  # a buy adds a quote fee of ZERO
    )
    held_exp = min(
        [_exp(held0)]
        + ([_exp(lot)] if count else [])
        + ([_exp(base_places)] if count > sells else [])
        + ([0] if sells else [])
    )
    final_cash = _decimal(int(cash[-1]), unit, scale, cash_exp)
    final_held = _decimal(int(held[-1]), lot, scale, held_exp)
    closes = window.close
    first, last = Decimal(repr(float(closes[0]))), Decimal(repr(float(closes[-1])))
    starting = cash0 + held0 * first
    final = final_cash + final_held * last
    return Books(cash, held, buy, sell_fee, starting, final, places, base_places)


def quick_net_pnl(config: AppConfig, fast: FastResult, window: CandleSeries) -> Decimal | None:
    """`quick_run`'s `net_pnl` alone (a fill-model rerun's one figure), None where it is None."""
    ends = books(config, fast, window)
    return None if ends is None else ends.final - ends.starting


def quick_run(
    config: AppConfig, fast: FastResult, window: CandleSeries
) -> tuple[EquityCurve, Metrics, list[TripRow]] | None:
    """The curve, metrics and round trips (`TripRow`s) `kernel_run` gives for `fast` (None:
    use `kernel_run`)."""
    from traderagent.backtest.kernels.figures import curve_figures, equity_values
    from traderagent.backtest.kernels.layout import F_CANDLE, F_TAG

    ends = books(config, fast, window)
    if ends is None:
        return None
    inst, rows, scale = fast.instrument, fast.rows, fast.base_scale
    buy, sell_fee, places, base_places = ends.buy, ends.sell_fee, ends.places, ends.base_places
    unit_num, unit_den = (inst.tick_size * inst.lot_size).as_integer_ratio()
    lot_num, lot_den = inst.lot_size.as_integer_ratio()
    cash_after = _floats(ends.cash, unit_num, unit_den * scale)
    held_after = _floats(ends.held, lot_num, lot_den * scale)
    closes = window.close
    fill_candles = np.ascontiguousarray(rows[:, F_CANDLE])
    values = equity_values(cash_after, held_after, fill_candles, closes)
    starting, final, count = ends.starting, ends.final, len(rows)
    fees = _fees(rows, buy, sell_fee, fast, places, base_places)
    equity = EquityCurve(window.ts + window.interval_ms, values, starting, final, fill_candles)
    drawdown, mean, deviation, downside, returns = curve_figures(float(starting), values)
    per_year = math.sqrt(YEAR_MS / window.interval_ms)
    reckoned = _round_trips(rows, buy, sell_fee, fast, places, base_places)
    if reckoned is None:
        return None
    trips, wins, gross_win, gross_loss, closed = reckoned
    net = final - starting
    tags = rows[:, F_TAG]
    m = fast.metrics
    metrics = Metrics(
        candles=len(values),
        orders=int(m["orders"]),
        fills=count,
        trades=trips,
        fees=fees,
        net_pnl=net,
        return_pct=float(net / starting * 100) if starting else 0.0,
        max_drawdown_pct=float(drawdown),
        sharpe=_ratio(mean, deviation, per_year, returns),
        sortino=_ratio(mean, downside, per_year, returns),
        win_rate=wins / trips if trips else None,
        profit_factor=float(gross_win / gross_loss) if gross_loss > 0 else None,
        final_equity=final,
        grid_cycles=_grid_cycles(tags, buy) if fast.kind == "grid" else None,
        elapsed_s=fast.elapsed_s,
        halted=None,
        rejected_orders=counted_rejections(
            {
                BELOW_MINIMUM: int(m["rejected_min"]),
                INSUFFICIENT: int(m["rejected_funds"]),
                STOP_THROUGH: int(m["rejected_stop"]),
                STOP_UNCOVERED: int(m["rejected_trigger"]),
            }
        ),
        allocator_refused=int(m["allocator_refused"]),
    )
    return equity, metrics, closed


def _fees(
    rows: IntArray,
    buy: npt.NDArray[np.bool_],
    sell_fee: IntArray,
    fast: FastResult,
    places: Decimal,
    base_places: Decimal,
) -> Decimal:
    """`sum(fill.fee_value)`: a buy's base fee at its price, a sell's quote fee."""
    from traderagent.backtest.kernels.layout import F_BFEE, F_TICKS

    inst = fast.instrument
    in_units = int((rows[:, F_BFEE] * rows[:, F_TICKS])[buy].sum()) + int(sell_fee.sum())
    exps = [0]
    if bool(buy.any()):
        exps.append(_exp(base_places) + _exp(inst.tick_size))
    if not bool(buy.all()):
        exps.append(_exp(places))
    return _decimal(in_units, inst.tick_size * inst.lot_size, fast.base_scale, min(exps))


def _round_trips(
    rows: IntArray,
    buy: npt.NDArray[np.bool_],
    sell_fee: IntArray,
    fast: FastResult,
    places: Decimal,
    base_places: Decimal,
) -> tuple[int, int, Decimal, Decimal, list[TripRow]] | None:
    """`trades.round_trips` of one bot's fills: (trips, wins, gross win, gross loss, each
    round trip's `TripRow`), the same Decimal operations in the same order; None for a sell
    of base the bot had not bought (base held from the start), which `round_trips` books as
    a short's opening: the full path then."""
    from traderagent.backtest.kernels.layout import F_TS

    columns = _trip_columns(rows, buy, sell_fee, fast, places, base_places)
    qty = avg = buy_fees = gross_win = gross_loss = ZERO
    trips = wins = 0
    closed_trips: list[TripRow] = []
    for ts, price, filled, fee, bought in zip(rows[:, F_TS].tolist(), *columns, strict=True):
        if bought is not None:
            credited, cost, fee_value = bought
            held = qty + credited
            avg = (avg * qty + cost) / held if held else ZERO
            qty = held
            buy_fees += fee_value
            continue
        closed = qty if qty < filled else filled  # min(filled, qty): filled when equal
        if closed <= 0:  # `round_trips` books a sell of nothing held as a short: its path
            return None
        share = buy_fees * closed / qty
        pnl = (price - avg) * closed - fee - share
        closed_trips.append((ts, closed, avg, price, pnl))
        trips += 1
        if pnl > 0:
            wins += 1
            gross_win += pnl
        elif pnl < 0:
            gross_loss += -pnl
        buy_fees -= share
        qty -= closed
        if qty <= 0:
            qty, avg, buy_fees = ZERO, ZERO, ZERO
    return trips, wins, gross_win, gross_loss, closed_trips


BuyTerms = tuple[Decimal, Decimal, Decimal]
"""A buy's exact terms in `round_trips`: (base credited, price x credited, fee x price)."""


def _trip_columns(
    rows: IntArray,
    buy: npt.NDArray[np.bool_],
    sell_fee: IntArray,
    fast: FastResult,
    places: Decimal,
    base_places: Decimal,
) -> tuple[list[Decimal], list[Decimal], list[Decimal], list[BuyTerms | None]]:
    """Each fill's exact price, quantity and fee (a sell's in quote, a buy's in base) and a
    buy's `BuyTerms` (None for a sell). A grid repeats its prices, quantities and fees, so
    each Decimal is made once per value (the values, exponents included, are those of the
    expressions `round_trips` evaluates, which are exact: no rounding is saved, only work)."""
    from traderagent.backtest.kernels.layout import F_BFEE, F_LOTS, F_TICKS

    inst = fast.instrument
    tick, lot, unit = inst.tick_size, inst.lot_size, inst.tick_size * inst.lot_size
    shift = -(len(str(fast.base_scale)) - 1)
    ticks, lots, base_fees = (
        rows[:, F_TICKS].tolist(),
        rows[:, F_LOTS].tolist(),
        rows[:, F_BFEE].tolist(),
    )
    buys, quote_fees = buy.tolist(), sell_fee.tolist()
    price_of = {t: t * tick for t in set(ticks)}
    qty_of = {n: n * lot for n in set(lots)}
    base_fee_of = {f: (f * lot).scaleb(shift).quantize(base_places) for f in set(base_fees)}
    quote_fee_of = {f: (f * unit).scaleb(shift).quantize(places) for f in set(quote_fees)}
    prices = [price_of[t] for t in ticks]
    quantities = [qty_of[n] for n in lots]
    fees = [
        base_fee_of[f] if bought else quote_fee_of[q]
        for bought, f, q in zip(buys, base_fees, quote_fees, strict=True)
    ]
    terms_of: dict[tuple[int, int, int], BuyTerms] = {}
    terms: list[BuyTerms | None] = []
    for bought, t, n, f, price, filled, fee in zip(
        buys, ticks, lots, base_fees, prices, quantities, fees, strict=True
    ):
        if not bought:
            terms.append(None)
            continue
        found = terms_of.get((t, n, f))
        if found is None:
            credited = filled - fee
            found = terms_of[(t, n, f)] = (credited, price * credited, fee * price)
        terms.append(found)
    return prices, quantities, fees, terms


def _grid_cycles(tags: IntArray, buy: npt.NDArray[np.bool_]) -> int:
    """`trades.grid_cycles`: slot k's buy (tag 2k) completed, then a sell of that slot. Per
    slot, in fill order, a sell completes a cycle when the slot's fill before it was a buy
    (the set `trades.grid_cycles` keeps holds a slot from its buys to its next sell)."""
    mine = tags >= 0  # the seed and the halt's sell: not slot orders
    slots, bought = tags[mine] // 2, buy[mine]
    order = np.argsort(slots, kind="stable")  # by slot, each slot's fills in fill order
    slots, bought = slots[order], bought[order]
    after_buy = bought[:-1] & ~bought[1:] & (slots[:-1] == slots[1:])
    return int(after_buy.sum())


def _ratio(mean: float, deviation: float, per_year: float, returns: int) -> float | None:
    """`metrics._ratio`: None for fewer than two returns or a flat curve."""
    if returns == 0 or not math.isfinite(deviation) or deviation <= FLAT:
        return None
    return mean / deviation * per_year
