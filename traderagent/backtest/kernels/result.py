"""What a fast-kernel run returns: its fills as arrays, the equity after each candle and the
reduced metrics, with exact Decimal views of the fills for comparison and reporting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from traderagent.backtest.kernels.layout import (
    F_BFEE,
    F_CANDLE,
    F_LOTS,
    F_SIDE,
    F_TAG,
    F_TAKER,
    F_TICKS,
    F_TS,
    METRIC_NAMES,
)
from traderagent.domain import Fill, FundingFee, Instrument, Liquidity, Side


@dataclass(frozen=True, slots=True)
class FastResult:
    """One bot's run on a fast kernel.

    `rows` holds one fill per row (candle index, time, side 0 buy / 1 sell, price in ticks,
    quantity in lots, taker flag, strategy tag, a buy's fee in base units of lot / `base_scale`)
    and `fees` each fill's fee in its coin (a buy's in base, a sell's in quote) as a float;
    `equity` is the account's equity after each candle (valued at its close)."""

    bot: str
    kind: str
    instrument: Instrument
    metrics: dict[str, float]
    rows: npt.NDArray[np.int64]
    fees: npt.NDArray[np.float64]
    equity: npt.NDArray[np.float64]
    candles: int
    elapsed_s: float = field(default=0.0)
    """The kernel's run, without compiling or loading it (`compile_s`)."""
    compile_s: float = field(default=0.0)
    """Compiling the kernel, or loading it from numba's cache, before the run (0: ready)."""
    compiled: bool = field(default=False)
    """Whether `compile_s` was a compile (True) or a cache load."""
    base_scale: int = field(default=1)
    """Base units per lot (`F_BFEE` counts a buy's fee in them)."""
    linear: bool = field(default=False)
    """A run on linear perpetuals: every fee is in the quote coin, a buy's too."""
    funding: float = field(default=0.0)
    """Linear: the funding the position paid over the run (negative: received), quote."""
    funding_charges: int = field(default=0)
    """Linear: the funding settlements made."""
    funding_rows: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    """Linear: each settlement charged, as (its time in ms, the fee paid: negative received)."""

    def funding_fees(self) -> list[FundingFee]:
        """The funding settlements as the engine's `FundingFee` values (the fee exact to its
        8 decimals: the float of an 8-decimal amount writes it back)."""
        inst = self.instrument
        return [
            FundingFee(
                f"fast-funding-{int(ts)}",
                inst.symbol,
                Side.BUY,
                Decimal(0),
                Decimal(0),
                Decimal(repr(float(fee))),
                inst.quote,
                int(ts),
                self.bot,
            )  # fmt: skip
            for ts, fee in self.funding_rows.tolist()
        ]

    @property
    def halt_ts(self) -> int | None:
        """Engine time of the account's emergency halt (the breaching candle's close), if any."""
        ts = self.metrics.get("halt_ts", -1.0)
        return int(ts) if self.metrics.get("halted", 0.0) == 1.0 and ts >= 0 else None

    @property
    def fill_count(self) -> int:
        return int(self.rows.shape[0])

    @property
    def ts(self) -> npt.NDArray[np.int64]:
        return self.rows[:, F_TS]

    @property
    def candle_index(self) -> npt.NDArray[np.int64]:
        return self.rows[:, F_CANDLE]

    @property
    def side(self) -> npt.NDArray[np.int64]:
        return self.rows[:, F_SIDE]

    @property
    def price(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.rows[:, F_TICKS] * float(self.instrument.tick_size), np.float64)

    @property
    def qty(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.rows[:, F_LOTS] * float(self.instrument.lot_size), np.float64)

    def base_fee(self, row: list[int]) -> Decimal:
        """A buy's fee in the base coin, exact (0 for a sell)."""
        return row[F_BFEE] * self.instrument.lot_size / self.base_scale

    def fill_tuples(self) -> list[tuple[int, Side, Decimal, Decimal, float]]:
        """(time, side, exact price, exact quantity, fee) of each fill, in execution order;
        the fee is in the base coin for a buy, in the quote coin for a sell."""
        tick, lot = self.instrument.tick_size, self.instrument.lot_size
        return [
            (
                int(r[F_TS]),
                Side.BUY if r[F_SIDE] == 0 else Side.SELL,
                r[F_TICKS] * tick,
                r[F_LOTS] * lot,
                float(fee),
            )
            for r, fee in zip(self.rows.tolist(), self.fees.tolist(), strict=True)
        ]

    def domain_fills(
        self,
        quanta: tuple[Decimal, Decimal] | None = None,
        tag: Callable[[int], str] = str,
    ) -> list[Fill]:
        """The fills as the engine's `Fill` values: a buy's fee exact in the base coin, a sell's
        as an exact Decimal of its float in the quote coin. `quanta` (base fee's, quote fee's)
        quantises them, `tag` writes a row's tag code: each `Fill` is made once, as asked."""
        inst = self.instrument
        base_q, quote_q = quanta if quanta is not None else (None, None)
        # the same prices, quantities and fees recur (a grid's levels): each Decimal made once
        prices: dict[int, Decimal] = {}
        quantities: dict[int, Decimal] = {}
        fills = []
        for n, (r, fee) in enumerate(zip(self.rows.tolist(), self.fees.tolist(), strict=True)):
            buy = r[F_SIDE] == 0
            ticks, lots = r[F_TICKS], r[F_LOTS]
            price = prices.get(ticks)
            if price is None:
                price = prices[ticks] = ticks * inst.tick_size
            qty = quantities.get(lots)
            if qty is None:
                qty = quantities[lots] = lots * inst.lot_size
            in_base = buy and not self.linear  # a spot buy's fee is in the base coin
            exact = self.base_fee(r) if in_base else Decimal(repr(fee))
            quantum = base_q if in_base else quote_q
            fills.append(
                Fill(
                    f"fast-{n + 1}",
                    f"{self.bot}-fast-{n + 1}",
                    inst.symbol,
                    Side.BUY if buy else Side.SELL,
                    price,
                    qty,
                    exact if quantum is None else exact.quantize(quantum),
                    inst.base if in_base else inst.quote,
                    Liquidity.TAKER if r[F_TAKER] else Liquidity.MAKER,
                    int(r[F_TS]),
                    self.bot,
                    tag(r[F_TAG]),
                )
            )
        return fills


def metrics_dict(row: npt.NDArray[np.float64]) -> dict[str, float]:
    return {name: float(value) for name, value in zip(METRIC_NAMES, row, strict=True)}
