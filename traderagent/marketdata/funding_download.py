"""Download Bybit V5 funding history (`GET /v5/market/funding/history`) into a funding file.

The file is `<store root>/<EXCHANGE>/<SYMBOL>-funding.csv` with Bybit's field names
(`symbol,fundingRateTimestamp,fundingRate`, the rate as Bybit sends it, a decimal string), one
row per settlement, oldest first: what `paper.linear.funding_file` reads. Only what the file
lacks in the requested range is fetched (before its first entry and after its last), so a rerun
resumes; Bybit pages newest first, at most 200 rows, by `endTime`: each span is walked
backwards, and what arrived is written (whole file, temporary file then rename) when the run
ends or fails. Retries and the rate budget are the Bybit client's (`BybitRest`).
"""

from __future__ import annotations

import asyncio
import csv
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traderagent.marketdata.download import DownloadFailed, Progress
from traderagent.marketdata.errors import MarketDataError

if TYPE_CHECKING:
    from traderagent.exchanges.bybit.rest import BybitRest

FUNDING_PAGE = 200
FUNDING_HISTORY = "/v5/market/funding/history"
COLUMNS = ("symbol", "fundingRateTimestamp", "fundingRate")  # Bybit's fields
EIGHT_HOURS = 8 * 3_600_000


def funding_path(root: Path, exchange: str, symbol: str) -> Path:
    return root / exchange / f"{symbol}-funding.csv"


@dataclass(slots=True)
class FundingReport:
    """What one run did."""

    requests: int = 0
    fetched: int = 0
    added: int = 0
    rows: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)


def read_rates(path: Path) -> dict[int, str]:
    """A funding file's rates by timestamp ({} when there is none); MarketDataError if bad."""
    if not path.is_file():
        return {}
    rates: dict[int, str] = {}
    with path.open(newline="") as handle:
        for line, row in enumerate(csv.DictReader(_data_lines(handle)), start=2):
            try:
                rates[int(row["fundingRateTimestamp"])] = str(Decimal(row["fundingRate"]))
            except (KeyError, TypeError, ValueError, InvalidOperation):
                raise MarketDataError(f"{path}:{line}: not a funding row: {row}") from None
    return rates


def write_rates(path: Path, symbol: str, rates: dict[int, str]) -> None:
    """The whole file, oldest first, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".csv.tmp")
    with temporary.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows((symbol, ts, rates[ts]) for ts in sorted(rates))
    os.replace(temporary, path)


async def download_funding(
    rest: BybitRest,
    path: Path,
    symbol: str,
    start_ms: int,
    end_ms: int,
    *,
    category: str = "linear",
    progress: Progress | None = None,
) -> FundingReport:
    """Fetch `symbol`'s funding rates settled in [start_ms, end_ms) that `path` lacks."""
    from traderagent.exchanges.bybit.errors import BybitError, InvalidRequestError

    rates = read_rates(path)
    report = FundingReport(spans=_missing(sorted(rates), start_ms, end_ms - 1))
    total = sum((hi - lo) // EIGHT_HOURS + 1 for lo, hi in report.spans)
    held = len(rates)
    params = {"category": category, "symbol": symbol, "limit": FUNDING_PAGE}
    try:
        for lo, hi in report.spans:
            end = hi
            while end >= lo:
                query = {**params, "startTime": lo, "endTime": end}
                reply = await rest.call("GET", FUNDING_HISTORY, query)
                report.requests += 1
                rows = _parse(reply.result.get("list") or [], symbol)
                for ts, rate in rows:
                    if lo <= ts <= end and ts not in rates:
                        rates[ts] = rate
                        report.fetched += 1
                if progress is not None:
                    progress(report.fetched, total)
                oldest = min((ts for ts, _ in rows), default=lo)
                if len(rows) < FUNDING_PAGE or oldest <= lo or oldest > end:
                    break
                end = oldest - 1
    except BybitError as err:
        report.added = _save(path, symbol, rates, held)
        raise DownloadFailed(
            str(err), report.added, bad_request=isinstance(err, InvalidRequestError)
        ) from err
    except (asyncio.CancelledError, KeyboardInterrupt):
        _save(path, symbol, rates, held)
        raise
    report.added = _save(path, symbol, rates, held)
    report.rows = len(rates)
    return report


def _save(path: Path, symbol: str, rates: dict[int, str], held: int) -> int:
    if len(rates) > held:
        write_rates(path, symbol, rates)
    return len(rates) - held


def _missing(held: list[int], start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """The spans of [start, end] before the file's first entry and after its last."""
    if not held:
        return [(start_ms, end_ms)]
    spans = []
    if start_ms < held[0]:
        spans.append((start_ms, min(end_ms, held[0] - 1)))
    if end_ms > held[-1]:
        spans.append((max(start_ms, held[-1] + 1), end_ms))
    return spans


def _parse(rows: list[Any], symbol: str) -> list[tuple[int, str]]:
    try:
        parsed = [
            (int(row["fundingRateTimestamp"]), str(Decimal(row["fundingRate"]))) for row in rows
        ]
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise MarketDataError(f"unreadable funding rows from the exchange: {exc!r}") from exc
    if any(row.get("symbol") != symbol for row in rows):
        raise MarketDataError(f"the exchange sent funding rows of another symbol than {symbol}")
    return parsed


def _data_lines(handle: Any) -> Any:
    """The file's lines without `#` comments (the bundled file documents itself)."""
    return (line for line in handle if not line.startswith("#"))
