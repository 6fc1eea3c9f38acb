"""The engine against an independent reference simulator written from README.md's rules alone.

`refsim` imports nothing from `traderagent` or `strategies`: its own candle reader, Decimal
arithmetic, tick and lot rounding, fill rules and grid / DCA logic. Both run the same config on
the same candle file, and every fill must agree (time, side, price, quantity, fee, fee coin,
maker/taker), and so must the final position and equity.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import synthetic
import yaml
from refsim.candles import Bar, read_bars
from refsim.dca import DcaSpec
from refsim.grid import GridSpec
from refsim.rules import FeeRule
from refsim.run import Outcome, simulate

from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import parse_config

BUNDLED = (
    Path(__file__).parents[2]
    / "traderagent/marketdata/data/BTCUSDT-1m-2023-03-01_21-binanceus.csv.gz"
)
BALANCE = Decimal(10_000)
NO_FEES = FeeRule(maker=Decimal(0), taker=Decimal(0))
SPOT_FEES = FeeRule(maker=Decimal("0.001"), taker=Decimal("0.001"))

GRID = GridSpec(Decimal(21_000), Decimal(25_000), 41, Decimal(200))
GRID_LOW = GridSpec(Decimal(19_500), Decimal(23_500), 31, Decimal(250), "geometric")
GRID_SYNTH = GridSpec(Decimal(20_000), Decimal(24_000), 41, Decimal(200))
DCA = DcaSpec(
    base_order=Decimal(200),
    safety_order=Decimal(200),
    max_safety_orders=5,
    active_safety_orders=2,
    price_deviation=Decimal(1),
    step_scale=Decimal("1.3"),
    volume_scale=Decimal("1.5"),
    take_profit=Decimal("1.2"),
    cooldown_candles=30,
)
DCA_TIGHT = DcaSpec(**{**DCA.__dict__, "take_profit": Decimal("0.4"), "cooldown_candles": 0})
DCA_STOP = DcaSpec(
    **{**DCA.__dict__, "stop_loss": Decimal("1.5"), "max_safety_orders": 2, "cooldown_candles": 15}
)


def strategy_config(spec: GridSpec | DcaSpec) -> dict[str, object]:
    if isinstance(spec, GridSpec):
        return {
            "kind": "grid",
            "lower": str(spec.lower),
            "upper": str(spec.upper),
            "levels": spec.levels,
            "spacing": spec.spacing,
            "amount_per_level": str(spec.amount_per_level),
        }
    return {"kind": "dca", **{k: _text(v) for k, v in spec.__dict__.items()}}


def _text(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def config_text(
    spec: GridSpec | DcaSpec, data: Path | str, fees: FeeRule, fill_model: str, window: str
) -> str:
    replay: dict[str, object] = {"data": str(data), "speed": "max"}
    if window:
        start, end = window.split("/")
        replay.update(start=f"{start}T00:00:00Z", end=f"{end}T00:00:00Z")
    raw = {
        "replay": replay,
        "paper": {
            "balances": {"USDT": str(BALANCE)},
            "maker_fee": str(fees.maker),
            "taker_fee": str(fees.taker),
            "fill_model": fill_model,
        },
        "risk": {"max_drawdown_pct": None},  # the reference has no risk limits to mirror
        "bots": [{"name": "bot", "symbol": "BTCUSDT", "strategy": strategy_config(spec)}],
    }
    return yaml.safe_dump(raw)


def _ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)


@functools.cache
def bars_in(path: Path, window: str) -> tuple[Bar, ...]:
    """The candles of `path` in `window` ("YYYY-MM-DD/YYYY-MM-DD", or "" for all of them)."""
    start, end = window.split("/") if window else ("", "")
    return tuple(read_bars(path, _ms(start) if start else None, _ms(end) if end else None))


def engine_rows(result: BacktestResult) -> list[tuple[object, ...]]:
    return [
        (
            f.ts,
            f.side.value.lower(),
            f.price,
            f.qty,
            f.fee,
            f.fee_asset if f.fee else "-",  # a zero fee has no coin to compare
            f.liquidity.value.lower(),
        )
        for f in result.fills
    ]


def reference_rows(outcome: Outcome) -> list[tuple[object, ...]]:
    return [
        (f.ts, f.side, f.price, f.qty, f.fee, f.fee_coin if f.fee else "-", f.liquidity)
        for f in outcome.fills
    ]


async def compare(
    spec: GridSpec | DcaSpec,
    data: Path,
    *,
    fees: FeeRule,
    fill_model: str = "pessimistic",
    window: str = "",
    engine_data: str | None = None,
) -> Outcome:
    """Run both; assert the same fills, position and equity; return the reference's outcome."""
    text = config_text(spec, engine_data or data, fees, fill_model, window)
    result = await run_backtest(parse_config(text, "reference.yaml", {}))
    bars = list(bars_in(data, window))
    outcome = simulate(spec, bars, balances={"USDT": BALANCE}, fees=fees, fill_model=fill_model)
    # the cases stay inside the account's means; the one refusal the rules make is the DCA's
    # triggered stop beside its take profit (the bot then sells at market), on both sides
    stops = [r for r in outcome.refusals if r == ("sl", "insufficient BTC for a triggered stop")]
    assert outcome.refusals == stops
    refused = result.metrics.rejected_orders
    assert refused.count == len(stops)
    assert all(o.tag.startswith("sl") for o in refused.orders or ())
    assert result.metrics.allocator_refused == 0  # nor its allocator (the reference has none)
    ours, theirs = reference_rows(outcome), engine_rows(result)
    first = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    assert ours[first : first + 3] == theirs[first : first + 3], f"fill {first} differs"
    assert len(ours) == len(theirs)
    assert result.summary is not None
    assert result.summary.bots[0].position_qty == outcome.balances.get("BTC", Decimal(0))
    assert result.summary.final_equity == outcome.equity
    return outcome


def synthetic_file(kind: str, directory: Path) -> Path:
    """Three days of generated 1m candles (seed 7): plain, with gaps, with closes one ulp off
    the tick (the first one included), resampled to 5m bars, or starting on a grid level."""
    rows = synthetic.random_walk(3 * 1440, seed=7)
    if kind == "gaps":
        rows = synthetic.with_gaps(rows, seed=8)
    elif kind == "noise":
        rows = synthetic.with_noise(rows, seed=9)
    elif kind == "5m":
        rows = synthetic.resample(rows, 5)
    elif kind == "on-level":  # the first close exactly on a grid level
        rows[0][2:5] = [max(rows[0][2], 22_000.0), min(rows[0][3], 22_000.0), 22_000.0]
    return synthetic.write_csv(rows, directory / f"BTCUSDT-{kind}.csv")


# Where the engine and the README's text disagree: a strict xfail naming the rule (change the
# engine or the README, then drop it here).
def known(*reasons: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason="; ".join(reasons))


CASES = [
    # (id, strategy, data, window, fill model)
    ("grid-bundled", GRID, "bundled", "2023-03-01/2023-03-04", "pessimistic"),
    ("grid-geometric-crash", GRID_LOW, "bundled", "2023-03-09/2023-03-12", "pessimistic"),
    ("grid-ohlc", GRID, "bundled", "2023-03-13/2023-03-15", "ohlc"),
    ("grid-olhc", GRID_LOW, "bundled", "2023-03-09/2023-03-11", "olhc"),
    ("grid-generated", GRID_SYNTH, "plain", "", "pessimistic"),
    ("grid-gaps", GRID_SYNTH, "gaps", "", "pessimistic"),
    ("grid-float-noise", GRID_SYNTH, "noise", "", "pessimistic"),
    ("grid-5m", GRID_SYNTH, "5m", "", "pessimistic"),
    ("grid-starts-on-a-level", GRID_SYNTH, "on-level", "", "pessimistic"),
    ("dca-bundled", DCA, "bundled", "2023-03-01/2023-03-06", "pessimistic"),
    ("dca-no-cooldown", DCA_TIGHT, "bundled", "2023-03-01/2023-03-06", "pessimistic"),
    ("dca-generated", DCA_TIGHT, "plain", "", "pessimistic"),
    ("dca-gaps", DCA, "gaps", "", "pessimistic"),
    ("dca-float-noise", DCA, "noise", "", "ohlc"),
    ("dca-5m", DCA, "5m", "", "pessimistic"),
    ("dca-stop-loss", DCA_STOP, "bundled", "2023-03-08/2023-03-12", "pessimistic"),
    ("dca-stop-loss-generated", DCA_STOP, "plain", "", "pessimistic"),
]
FEES = {"no-fees": NO_FEES, "spot-fees": SPOT_FEES}
KNOWN: dict[str, tuple[str, ...]] = {}
"""Comparisons main does not pass yet, by id, with the README rules the engine breaks."""


def cases() -> list[Any]:
    params = []
    for name, spec, data, window, fill_model in CASES:
        for fee_name, fees in FEES.items():
            case = f"{name}-{fee_name}"
            reasons = KNOWN.get(name, ())
            marks = [known(*reasons)] if reasons else []
            params.append(pytest.param(spec, data, window, fill_model, fees, id=case, marks=marks))
    return params


@pytest.mark.parametrize(("spec", "data", "window", "fill_model", "fees"), cases())
async def test_engine_fills_match_the_reference(
    spec: GridSpec | DcaSpec,
    data: str,
    window: str,
    fill_model: str,
    fees: FeeRule,
    tmp_path: Path,
) -> None:
    path = BUNDLED if data == "bundled" else synthetic_file(data, tmp_path)
    engine_data = "bundled" if data == "bundled" else None
    outcome = await compare(
        spec, path, fees=fees, fill_model=fill_model, window=window, engine_data=engine_data
    )
    assert len(outcome.fills) > 10  # the case trades


@pytest.mark.parametrize(
    ("spec", "data", "window", "fill_model", "fees"),
    [pytest.param(*p.values, id=p.id) for p in cases()],
)
def test_the_reference_trades_every_case_within_the_account(
    spec: GridSpec | DcaSpec,
    data: str,
    window: str,
    fill_model: str,
    fees: FeeRule,
    tmp_path: Path,
) -> None:
    """The reference alone (no xfail hides a fault of its own): it trades, is refused nothing
    but a triggered stop beside its take profit (each then sold at market), and its balances
    reconcile with its fills."""
    path = BUNDLED if data == "bundled" else synthetic_file(data, tmp_path)
    bars = list(bars_in(path, window))
    outcome = simulate(spec, bars, balances={"USDT": BALANCE}, fees=fees, fill_model=fill_model)
    assert len(outcome.fills) > 10
    assert all(r == ("sl", "insufficient BTC for a triggered stop") for r in outcome.refusals)
    sold = [f for f in outcome.fills if f.tag == "sl"]
    assert len(sold) == len(outcome.refusals)  # each refused stop sold at market at once
    quote = BALANCE + sum(
        (-f.qty * f.price if f.side == "buy" else f.qty * f.price - f.fee for f in outcome.fills),
        Decimal(0),
    )
    base = sum((f.credited if f.side == "buy" else -f.qty for f in outcome.fills), Decimal(0))
    assert outcome.balances == {"USDT": quote, "BTC": base}
    assert base >= 0


@pytest.mark.slow
@pytest.mark.parametrize("spec", [GRID, DCA, DCA_STOP], ids=["grid", "dca", "dca-stop-loss"])
async def test_engine_matches_the_reference_on_all_the_bundled_data(
    spec: GridSpec | DcaSpec,
) -> None:
    outcome = await compare(spec, BUNDLED, fees=SPOT_FEES, engine_data="bundled")
    assert len(outcome.fills) > 50
