"""A backtest's fills and equity curve as CSV files, so a user can audit a result without
reading code (`traderagent backtest --trades FILE.csv --equity FILE.csv`).

Trades: one row per fill, oldest first, money as the exact Decimals the run used: summing
`price x qty` and `fee` by side and coin gives the cash and base the run moved, and the fees'
quote values add up to the table's `fees` to the last digit. Equity: one row per candle, the
account valued at the candle's close after its step, and the fall from the running peak (the
starting equity is the first peak), as the metrics compute `max drawdown`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from traderagent.backtest.equity import EquityCurve
from traderagent.domain import Fill

TRADE_COLUMNS = (
    "time",
    "bot",
    "side",
    "price",
    "qty",
    "fee",
    "fee_coin",
    "fee_value",
    "liquidity",
    "order_id",
    "fill_id",
    "tag",
)
"""`time` ISO 8601 UTC; `side` buy/sell; `fee` in `fee_coin` (a spot buy pays in the base coin),
`fee_value` the same in the quote asset (valued at the fill price: the table's `fees` is their
sum); `liquidity` maker/taker; `order_id` the client order
id; `tag` the strategy's name for the order (why it was placed: `b12` a grid slot's buy,
`entry3` a trend entry, `risk-stop` a stop-loss sale, ...)."""
EQUITY_COLUMNS = ("time", "equity", "drawdown_pct")


def iso_utc(ts_ms: int) -> str:
    """`2023-03-01T00:05:00.000Z`."""
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def trade_rows(fills: Iterable[Fill]) -> list[list[str]]:
    return [
        [
            iso_utc(f.ts),
            f.bot,
            f.side.value.lower(),
            str(f.price),
            str(f.qty),
            str(f.fee),
            f.fee_asset,
            str(f.fee_value),
            f.liquidity.value.lower(),
            f.client_order_id,
            f.fill_id,
            f.tag,
        ]
        for f in fills
    ]


def equity_rows(curve: EquityCurve) -> list[list[str]]:
    values = np.asarray(curve.values, dtype=np.float64)
    if values.size == 0:
        return []
    peaks = np.maximum.accumulate(np.concatenate(([float(curve.starting)], values)))[1:]
    safe = np.where(peaks > 0, peaks, 1.0)
    falls = np.where(peaks > 0, (peaks - values) / safe * 100.0, 0.0)
    rows = [
        [iso_utc(int(ts)), repr(float(value)), repr(float(fall))]
        for ts, value, fall in zip(
            curve.close_ts.tolist(), values.tolist(), falls.tolist(), strict=True
        )
    ]
    rows[-1][1] = str(curve.final)  # the last value exactly, as the table's final equity
    return rows


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write `rows` under `header` (OSError if the file cannot be written)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_trades(path: Path, fills: Iterable[Fill]) -> None:
    write_csv(path, TRADE_COLUMNS, trade_rows(fills))


def write_equity(path: Path, curve: EquityCurve) -> None:
    write_csv(path, EQUITY_COLUMNS, equity_rows(curve))
