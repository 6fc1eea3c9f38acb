"""`--fast`: one bot on the numba kernel of its strategy (`traderagent.backtest.kernels`),
returned as a `BacktestResult` with the same metrics, table and charts as an engine run.

The kernels reproduce the engine fill for fill for what they support (a grid with fixed
bounds or DCA, one bot, paper venue; `kernels.SUPPORTED` says it exactly); anything else is a
BacktestError that says so. Prices and quantities come back exact; the kernel's float64 fees
are rounded to the decimals an exact fee has (tick x lot x fee rate), which makes them the
engine's Decimal fees again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, overload

from strategies.registry import kernel_kinds, kernel_of
from traderagent.backtest.equity import EquityCurve, equity_curve
from traderagent.backtest.fast_metrics import TripRow, fee_places, quick_net_pnl, quick_run
from traderagent.backtest.halts import kernel_halt
from traderagent.backtest.inputs import (
    BacktestError,
    ReplayWindow,
    backtest_config,
    load_series,
    replay_window,
)
from traderagent.backtest.metrics import Metrics, compute_metrics
from traderagent.backtest.regime_log import RegimeLog, regime_changes
from traderagent.backtest.rejections import (
    BELOW_MINIMUM,
    INSUFFICIENT,
    STOP_THROUGH,
    STOP_UNCOVERED,
    counted_rejections,
)
from traderagent.backtest.result import BacktestResult
from traderagent.backtest.trades import RoundTrip, grid_cycles
from traderagent.config import AppConfig, BotConfig
from traderagent.domain import Fill
from traderagent.exchanges.paper.matching import FillModel
from traderagent.marketdata import CandleSeries

if TYPE_CHECKING:
    from traderagent.backtest.kernels import FastResult

HALT_TAGS = frozenset({"-3"})
"""The tag of the halt's own market sell (`kernels.layout.TAG_CLOSE`)."""
LIQUIDATION_CODE = -4
"""The kernels' tag of a liquidation's fill (`kernels.layout.TAG_LIQ`)."""


class KernelFills(Sequence[Fill]):
    """A kernel run's fills as the engine's `Fill` values, built on first use: a backtest
    that only prints its metrics never pays for thousands of them."""

    def __init__(
        self, config: AppConfig, fast: FastResult, trips: list[TripRow] | None = None
    ) -> None:
        self._config, self._fast = config, fast
        self._fills: list[Fill] | None = None
        self._trips = trips

    def known_round_trips(self) -> list[RoundTrip] | None:
        """`trades.round_trips` of these fills, computed from the fill rows with the metrics
        (the same values, the same Decimal operations), or None when they were not."""
        if self._trips is None:
            return None
        bot = self._fast.bot
        return [RoundTrip(bot, *trip) for trip in self._trips]

    def _all(self) -> list[Fill]:
        if self._fills is None:
            self._fills = engine_fills(self._config, self._fast)
        return self._fills

    def __len__(self) -> int:
        return self._fast.fill_count

    @overload
    def __getitem__(self, index: int) -> Fill: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Fill]: ...

    def __getitem__(self, index: int | slice) -> Fill | Sequence[Fill]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Fill]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._all()))


@dataclass(frozen=True, slots=True)
class KernelRun:
    """A kernel's run as the engine's values: its fills, equity curve and metrics."""

    fills: Sequence[Fill]
    equity: EquityCurve
    metrics: Metrics


def engine_fills(config: AppConfig, fast: FastResult) -> list[Fill]:
    """`fast`'s fills as the engine's: exact fees, the engine's grid tags."""
    inst, paper = fast.instrument, config.paper
    maker, taker = paper.maker_fee, paper.taker_fee
    if fast.linear:  # the venue charges linear perpetuals' own fees
        maker, taker = paper.linear.maker_fee, paper.linear.taker_fee
    places = fee_places(inst.tick_size, inst.lot_size, maker, taker)
    base_places = fee_places(Decimal(1), inst.lot_size, maker, taker)
    tags = _engine_tag if fast.kind == "grid" else str
    return fast.domain_fills((base_places, places), tags)


def kernel_run(config: AppConfig, fast: FastResult, window: CandleSeries) -> KernelRun:
    """`fast` (a run of `config`'s bot over `window`) as exact fills (built when first read),
    the equity curve and the metrics `compute_metrics` gives an engine run, its halt worded
    as the engine words it. Computed from the fill rows (`fast_metrics.quick_run`) where it
    can, else (a halted run) from the fills (`full_kernel_run`): the same values."""
    quick = quick_run(config, fast, window)
    if quick is None:
        return full_kernel_run(config, fast, window)
    equity, metrics, trips = quick
    return KernelRun(KernelFills(config, fast, trips), equity, metrics)


def full_kernel_run(config: AppConfig, fast: FastResult, window: CandleSeries) -> KernelRun:
    """`kernel_run` from every fill built as a `Fill` (the reference `quick_run` matches)."""
    inst, paper = fast.instrument, config.paper
    fills = engine_fills(config, fast)
    grid = fast.kind == "grid"
    equity = equity_curve(
        window,
        fills,
        balances=paper.balances,
        base=inst.base,
        quote=inst.quote,
        fill_candles=fast.candle_index,
        funding=fast.funding_fees(),
    )
    halt_ts = fast.halt_ts
    halted = None
    if halt_ts is not None:
        halted = kernel_halt(
            config.risk,
            halt_ts,
            window,
            fills,
            equity,
            balances=paper.balances,
            base=inst.base,
            quote=inst.quote,
            halt_tags=HALT_TAGS,
        )
    metrics = compute_metrics(
        fills,
        equity,
        orders=int(fast.metrics["orders"]),
        grid_cycles=grid_cycles(fills) if grid else None,
        elapsed_s=fast.elapsed_s,
        interval_ms=window.interval_ms,
        halted=halted,
        rejected=counted_rejections(
            {
                BELOW_MINIMUM: int(fast.metrics["rejected_min"]),
                INSUFFICIENT: int(fast.metrics["rejected_funds"]),
                STOP_THROUGH: int(fast.metrics["rejected_stop"]),
                STOP_UNCOVERED: int(fast.metrics["rejected_trigger"]),
            }
        ),
        allocator_refused=int(fast.metrics["allocator_refused"]),
    )
    return KernelRun(fills, equity, metrics)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A fast backtest's inputs and its kernel's run."""

    config: AppConfig
    bot: BotConfig
    label: str
    replayed: ReplayWindow
    fast: FastResult


def _prepared(
    config: AppConfig,
    bot: str | None,
    start: datetime | None,
    end: datetime | None,
    fill_model: FillModel | None,
    on_compile: Callable[[], None] | None,
) -> _Prepared:
    run_config = backtest_config(config, bot=bot, start=start, end=end, fill_model=fill_model)
    if len(run_config.bots) != 1:
        names = ", ".join(b.name for b in run_config.bots)
        raise BacktestError(f"--fast runs one bot: name it with --bot (bots: {names})")
    chosen = run_config.bots[0]
    if kernel_of(chosen.kind) is None:
        raise BacktestError(
            f"the fast kernel supports {' and '.join(kernel_kinds())} bots; "
            f"{chosen.name} is a {chosen.kind} bot: "
            "run it without --fast (the engine runs every strategy)"
        )
    try:
        from traderagent.backtest.kernels import UnsupportedFast, run_fast
    except ImportError as err:
        raise BacktestError(
            f"the fast kernel is not available here ({err}): run without --fast"
        ) from None
    candles, label = load_series(run_config.replay.data, run_config.replay.symbol)
    replayed = replay_window(run_config, candles, label)
    try:
        # the curve is rebuilt from the fill rows with the metrics (`kernel_run`)
        fast = run_fast(
            run_config, chosen.name, replayed.candles, equity_curve=False, on_compile=on_compile
        )
    except UnsupportedFast as err:
        raise BacktestError(f"{err}; run without --fast") from None
    return _Prepared(run_config, chosen, label, replayed, fast)


def run_fast_backtest(
    config: AppConfig,
    *,
    bot: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fill_model: FillModel | None = None,
    on_compile: Callable[[], None] | None = None,
    regimes: bool = True,
) -> BacktestResult:
    """Backtest one bot of `config` on its fast kernel over the config's data and range.
    `on_compile` is called before numba compiles the kernel (not when it loads from its cache);
    the compile is timed apart (`BacktestResult.compile_s`), not in the metrics' `elapsed_s`.
    `regimes=False` leaves the regime log empty (a rerun that only wants the metrics)."""
    ready = _prepared(config, bot, start, end, fill_model, on_compile)
    run_config, chosen, fast = ready.config, ready.bot, ready.fast
    window, replayed, label = ready.replayed.candles, ready.replayed, ready.label
    run = kernel_run(run_config, fast, window)
    levels = {}
    if chosen.kind == "grid" and chosen.strategy is not None:
        from strategies.grid.levels import grid_levels

        levels[chosen.name] = grid_levels(chosen.strategy, fast.instrument)  # type: ignore[arg-type]
    return BacktestResult(
        config=run_config,
        candles=window,
        fills=run.fills,
        equity=run.equity,
        metrics=run.metrics,
        summary=None,
        grid_levels=levels,
        data_label=f"{label} (fast kernel)",
        quote_asset=fast.instrument.quote,
        compile_s=fast.compile_s,
        compiled=fast.compiled,
        # no engine to listen to: the same timeline, warmed up on the same history
        regime_log=RegimeLog(
            window.symbol,
            regime_changes(window, run_config.regime, replayed.history) if regimes else [],
        ),
    )


def fast_net_pnl(
    config: AppConfig,
    *,
    bot: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fill_model: FillModel | None = None,
) -> Decimal:
    """`run_fast_backtest(...).metrics.net_pnl`, the same Decimal, without the figures it
    does not need (a fill-model rerun of `backtest --fast` wants this one)."""
    ready = _prepared(config, bot, start, end, fill_model, None)
    window = ready.replayed.candles
    net = quick_net_pnl(ready.config, ready.fast, window)
    if net is None:
        return kernel_run(ready.config, ready.fast, window).metrics.net_pnl
    return net


def _engine_tag(code: int) -> str:
    """The grid kernel tags slot k's buy 2k and its sell 2k+1; the engine `b<k>` and `s<k>`."""
    if code == LIQUIDATION_CODE:
        return "liquidation"  # the venue's close of a liquidated position (`stop_out`'s tag)
    if code < 0:
        return str(code)  # the seed and the halt's sell have negative tags: not slot orders
    return f"{'s' if code % 2 else 'b'}{code // 2}"
