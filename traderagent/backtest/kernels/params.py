"""From a config to the kernels' constant arrays: the venue, the account and the risk limits.

Everything the engine keeps as Decimals becomes whole ticks, lots and units of notional
(tick x lot), or a float where the engine only compares. A configuration the kernels cannot
reproduce exactly is refused here with `UnsupportedFast`, naming what is supported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from strategies.registry import kernel_of
from traderagent.backtest.kernels.layout import (
    PF_BFEE_MAKER,
    PF_BFEE_TAKER,
    PF_BSCALE,
    PF_BUNIT,
    PF_L0,
    PF_LIN,
    PF_LOCK,
    PF_LOT,
    PF_MAKER,
    PF_MAX_DD,
    PF_MAX_LOSS,
    PF_N,
    PF_RESERVE,
    PF_SHARE,
    PF_TAKER,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    PI_AUTOSTART,
    PI_B0,
    PI_CLOSE_ON_HALT,
    PI_FILL_MODEL,
    PI_INTERVAL,
    PI_MIN_LOTS,
    PI_MIN_UNITS,
    PI_N,
    PI_Q0,
)
from traderagent.backtest.kernels.linear import LC_N
from traderagent.backtest.kernels.linear_prepare import linear_constants
from traderagent.config import AppConfig
from traderagent.config.instruments import paper_listing
from traderagent.config.models import BotConfig
from traderagent.domain import Instrument
from traderagent.exchanges.fee_rules import FeeRules
from traderagent.exchanges.paper.instruments import paper_instrument
from traderagent.exchanges.ports import ExchangeError
from traderagent.exchanges.spot_rules import QUOTES, split_symbol

SUPPORTED = (
    "one bot with a `grid` strategy with fixed `lower`/`upper` bounds or a `dca` strategy, on "
    "the paper venue, without `router`, `smc` or per-bot `risk` limits and without "
    "`risk.max_gross_exposure_pct` (the account's drawdown and daily-loss halts are supported "
    "on spot); on linear perpetuals a grid (long, short or neutral) without `stop_outside_pct` "
    "or a long DCA, funding from a rate or a funding file, the mark at the close (a run that "
    "would be liquidated, halted, or cut or refused for want of margin is refused as it "
    "happens)"
)
FILL_MODELS = {"pessimistic": 0, "ohlc": 1, "olhc": 2}


class UnsupportedFast(ValueError):
    """A configuration the fast kernels cannot reproduce exactly; the message says why and
    what they support (the engine backtest runs everything)."""


@dataclass(frozen=True, slots=True)
class VenueArrays:
    """The constants of one run shared by every strategy kernel."""

    pi: npt.NDArray[np.int64]
    pf: npt.NDArray[np.float64]
    instrument: Instrument


def step_fraction(step: Decimal) -> tuple[int, int]:
    """A positive decimal step as integers (numerator, 10**k) with step = num / den exactly."""
    sign, digits, exponent = step.normalize().as_tuple()
    if sign or not isinstance(exponent, int) or step <= 0:
        raise UnsupportedFast(f"step {step} must be a positive finite decimal")
    num = int("".join(map(str, digits)))
    return (num, 10**-exponent) if exponent < 0 else (num * 10**exponent, 1)


def whole(value: Decimal, step: Decimal, what: str) -> int:
    """`value` as a whole number of `step`s, or UnsupportedFast if it is not one."""
    units = value / step
    if units != units.to_integral_value():
        raise UnsupportedFast(f"{what} {value} is not a whole number of {step}")
    return int(units)


def base_units(*rates: Decimal) -> tuple[int, list[int]]:
    """The base units per lot (10**k, k the most decimals of `rates`) and each rate's fee per
    lot in those units: lot x rate is then a whole number of units, exactly."""
    places = max((-_exponent(rate) for rate in rates), default=0)
    scale = 10 ** max(places, 0)
    fees = [rate * scale for rate in rates]
    if any(fee != fee.to_integral_value() or fee < 0 for fee in fees):
        raise UnsupportedFast(f"fee rates {', '.join(map(str, rates))} are not plain decimals")
    return scale, [int(fee) for fee in fees]


def _exponent(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def bot_config(config: AppConfig, bot: str) -> BotConfig:
    for candidate in config.bots:
        if candidate.name == bot:
            return candidate
    names = ", ".join(b.name for b in config.bots)
    raise UnsupportedFast(f"no bot named {bot!r} in the config (bots: {names})")


def check_supported(config: AppConfig, bot: BotConfig) -> None:
    problem = ""
    if config.mode != "paper":
        problem = "the config trades a live venue"
    elif config.paper.category != "spot" and (problem := _linear_problem(config, bot)):
        pass
    elif bot.strategy is None:
        problem = f"bot {bot.name} is routed by the market regime"
    elif bot.smc is not None:
        problem = f"bot {bot.name} filters its entries with SMC"
    elif bot.risk is not None:
        problem = f"bot {bot.name} has its own risk limits"
    elif config.risk.limits_entries:
        problem = "the account limits its gross exposure, notional or margin"
    elif kernel_of(bot.strategy.kind) is None:
        problem = f"bot {bot.name} runs a {bot.strategy.kind} strategy"
    elif bot.strategy.kind == "grid" and getattr(bot.strategy, "bounds", None) is not None:
        problem = f"bot {bot.name}'s grid takes its bounds from the ATR"
    elif not _quoted(bot.symbol):
        problem = f"the paper venue trades no {bot.symbol} (quote assets: {', '.join(QUOTES)})"
    if problem:
        raise UnsupportedFast(f"{problem}; the fast kernels support {SUPPORTED}")


def _linear_problem(config: AppConfig, bot: BotConfig) -> str:
    """Why the linear kernels cannot run `bot` of `config`, or ''."""
    strategy = bot.strategy
    if strategy is None or strategy.kind not in ("grid", "dca"):
        return "on linear perpetuals only a grid or a long DCA has a fast kernel yet"
    if strategy.kind == "dca" and getattr(strategy, "direction", "long") != "long":
        return (
            f"bot {bot.name} is a short DCA on linear perpetuals (its stop loss is a buy stop, "
            "which the kernels do not rest yet)"
        )
    if getattr(strategy, "stop_outside_pct", None) is not None:
        return f"bot {bot.name}'s grid stops outside its range on linear perpetuals"
    if config.paper.linear.mark:
        return "the linear venue is given a mark-price series (the kernels mark at the close)"
    return ""


def _quoted(symbol: str) -> bool:
    try:
        split_symbol(symbol)
    except ValueError:
        return False
    return True


def venue_arrays(
    config: AppConfig, bot: BotConfig, interval_ms: int, price_level: float | None = None
) -> VenueArrays:
    """The venue, account and risk constants of `bot` trading alone on the paper account.
    `price_level` (the first close traded) derives the rules of a symbol the paper venue
    has no known or configured rules for, as the engine's paper venue does."""
    check_supported(config, bot)
    try:
        inst = paper_instrument(bot.symbol, price_level, paper_listing(config.paper.instruments))
    except ExchangeError as err:
        raise UnsupportedFast(f"bot {bot.name}: {err}") from None
    paper = config.paper
    tick_num, tick_den = step_fraction(inst.tick_size)
    unit = inst.tick_size * inst.lot_size
    linear = paper.category == "linear"
    if linear:  # fees in quote whatever the side: no base units below the lot
        fees = FeeRules(paper.linear.maker_fee, paper.linear.taker_fee, "linear")
        scale, maker_units, taker_units = 1, 0, 0
    else:
        fees = FeeRules(paper.maker_fee, paper.taker_fee, "spot")  # the paper venue's rules
        scale, (maker_units, taker_units) = base_units(fees.maker, fees.taker)
    pi = np.zeros(PI_N, np.int64)
    pi[PI_MIN_LOTS] = int(
        (inst.min_qty / inst.lot_size).to_integral_value(rounding="ROUND_CEILING")
    )
    pi[PI_MIN_UNITS] = int((inst.min_notional / unit).to_integral_value(rounding="ROUND_CEILING"))
    pi[PI_FILL_MODEL] = FILL_MODELS[paper.fill_model]
    pi[PI_INTERVAL] = interval_ms
    pi[PI_CLOSE_ON_HALT] = 1 if config.halt.close_positions else 0
    pi[PI_Q0] = whole(paper.balances.get(inst.quote, Decimal(0)), unit, f"balance of {inst.quote}")
    base0 = whole(paper.balances.get(inst.base, Decimal(0)), inst.lot_size, f"{inst.base}")
    pi[PI_B0] = base0 * scale
    pi[PI_AUTOSTART] = 1 if bot.autostart else 0
    pf = np.zeros(PF_N, np.float64)
    pf[PF_TICK_NUM], pf[PF_TICK_DEN] = tick_num, tick_den
    pf[PF_LOT], pf[PF_UNIT] = float(inst.lot_size), float(unit)
    pf[PF_MAKER], pf[PF_TAKER] = float(unit * fees.maker), float(unit * fees.taker)
    pf[PF_LOCK] = float(unit * fees.lock_rate)
    pf[PF_BSCALE], pf[PF_BFEE_MAKER], pf[PF_BFEE_TAKER] = scale, maker_units, taker_units
    pf[PF_BUNIT] = float(inst.lot_size / scale)
    pf[PF_RESERVE] = float(fees.lock_rate)  # what the engine's allocator reserves
    pf[PF_SHARE] = float((bot.budget_pct or Decimal(100)) / 100)
    risk = config.risk
    pf[PF_MAX_DD] = np.nan if risk.max_drawdown_pct is None else float(risk.max_drawdown_pct)
    pf[PF_MAX_LOSS] = np.nan if risk.max_daily_loss is None else float(risk.max_daily_loss)
    if linear:
        if base0:
            raise UnsupportedFast(f"a linear account holds no {inst.base}: drop its balance")
        pf[PF_LIN] = 1.0
        pf[PF_L0 : PF_L0 + LC_N] = linear_constants(paper.linear, inst)
    return VenueArrays(pi, pf, inst)
