"""`traderagent data download --kind funding|mark` against the emulator's
/v5/market/funding/history and /v5/market/mark-price-kline: Bybit's shapes, paging backwards
by endTime, resuming, one-line errors; a mark series named by `paper.linear.mark`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from kit.factories import SMALL_CONFIG

from traderagent.cli import main
from traderagent.config import ConfigError, parse_config
from traderagent.config.instruments import paper_listing
from traderagent.domain import Candle
from traderagent.exchanges.bybit.errors import InvalidRequestError, NetworkError
from traderagent.exchanges.bybit.rest import BybitRest, Reply
from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.paper.linear import RateSeries, read_funding_file
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.marketdata import CandleSeries
from traderagent.marketdata.download import DownloadFailed
from traderagent.marketdata.funding_download import download_funding
from traderagent.wiring.linear_data import mark_series
from traderagent.wiring.venues import paper_exchange

HOUR, EIGHT_HOURS, DAY = 3_600_000, 8 * 3_600_000, 86_400_000
T0 = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1000)
DAYS = 100
MARKS = DAYS * 3 + 1  # T0 .. T0 + 100 days: the replay's "now" is the last close


def hourly(days: int = DAYS) -> CandleSeries:
    n = days * 24
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    close = np.round(20_000 + 500 * np.sin(np.arange(n) / 17) + np.arange(n) * 0.5, 1)
    open_ = np.concatenate(([close[0]], close[:-1]))
    high, low = np.maximum(open_, close) + 7, np.minimum(open_, close) - 7
    return CandleSeries("BTCUSDT", HOUR, ts, open_, high, low, close, np.full(n, 3.0))


def rate_of(i: int) -> Decimal:
    return Decimal(i - 150).scaleb(-6)  # -0.00015 .. 0.00015: each mark a different rate


RATES = RateSeries({"BTCUSDT": [(T0 + i * EIGHT_HOURS, rate_of(i)) for i in range(MARKS)]})
SERIES = hourly()
LISTED = paper_listing({})


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "candles"


def emulator(**kwargs: Any) -> Any:
    return running_emulator(SERIES, speed=None, warmup=len(SERIES), **kwargs)


def fetch(*args: str) -> int:
    """The CLI in a worker thread: it runs its own event loop beside the emulator's."""
    return main(["data", "download", "--symbol", "BTCUSDT", "--start", "2023-01-01", *args])


def held(path: Path) -> list[tuple[int, Decimal]]:
    frame = pd.read_csv(path, dtype=str)
    assert list(frame.columns) == ["symbol", "fundingRateTimestamp", "fundingRate"]
    assert set(frame["symbol"]) == {"BTCUSDT"}
    return [(int(t), Decimal(r)) for t, r in zip(frame.iloc[:, 1], frame.iloc[:, 2], strict=True)]


def expected(first: int, last: int) -> list[tuple[int, Decimal]]:
    return [(T0 + i * EIGHT_HOURS, rate_of(i)) for i in range(first, last)]


async def test_the_emulator_serves_bybits_funding_history() -> None:
    async with emulator(funding_rates=RATES) as emu:
        rest = BybitRest(emu.rest_url, max_attempts=1)
        try:
            end = T0 + 2 * DAY
            reply = await rest.call(
                "GET",
                "/v5/market/funding/history",
                {"category": "linear", "symbol": "BTCUSDT", "endTime": end, "limit": 4},
            )
            assert reply.result["category"] == "linear"
            assert reply.result["list"] == [  # newest first, strings, Bybit's field names
                {"symbol": "BTCUSDT", "fundingRate": str(rate_of(i)),
                 "fundingRateTimestamp": str(T0 + i * EIGHT_HOURS)}
                for i in (6, 5, 4, 3)
            ]  # fmt: skip
            latest = await rest.call(
                "GET", "/v5/market/funding/history", {"category": "linear", "symbol": "BTCUSDT"}
            )
            stamps = [int(row["fundingRateTimestamp"]) for row in latest.result["list"]]
            assert len(stamps) == 200 and stamps[0] == T0 + DAYS * DAY  # up to "now"
            refused: list[tuple[dict[str, Any], str]] = [
                ({"category": "spot"}, "category"),
                ({"category": "linear", "symbol": "BTCUSDT", "startTime": T0}, "endTime"),
                ({"category": "linear", "symbol": "BTCUSDT", "limit": 201}, "limit"),
                ({"category": "linear", "symbol": "NOPEUSDT"}, "Not supported symbols"),
            ]
            for bad, message in refused:
                with pytest.raises(InvalidRequestError, match=message):
                    await rest.call("GET", "/v5/market/funding/history", bad)
        finally:
            await rest.close()
    async with emulator(funding_rate="0.0001") as emu:  # one constant rate: that rate
        rest = BybitRest(emu.rest_url, max_attempts=1)
        try:
            params = {"category": "linear", "symbol": "BTCUSDT", "startTime": T0, "endTime": T0}
            reply = await rest.call("GET", "/v5/market/funding/history", params)
        finally:
            await rest.close()
    assert reply.result["list"] == [
        {"symbol": "BTCUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": str(T0)}
    ]


async def test_funding_download_pages_backwards_then_resumes(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = store / "BYBIT" / "BTCUSDT-funding.csv"
    async with emulator(funding_rates=RATES) as emu:
        url = ["--kind", "funding", "--env", "custom", "--base-url", emu.rest_url]
        code = await asyncio.to_thread(fetch, "--end", "2023-03-12", *url)  # T0 + 70 days
        assert code == 0
        assert "BYBIT/BTCUSDT funding: +210 rates in 2 requests" in capsys.readouterr().out
        assert held(path) == expected(0, 210)
        code = await asyncio.to_thread(fetch, *url)  # to now: only what is missing
        assert code == 0
        assert "+91 rates in 1 request," in capsys.readouterr().out
        assert held(path) == expected(0, MARKS)
        code = await asyncio.to_thread(fetch, "--end", "2023-02-20", *url)
        assert code == 0
        assert "already holds that range" in capsys.readouterr().out
    rates = read_funding_file(path)  # what paper.linear.funding_file reads
    assert rates.rate("BTCUSDT", T0 + 5 * EIGHT_HOURS + 1) == rate_of(5)


class FailingRest(BybitRest):
    """A client whose network goes away after `ok` calls."""

    def __init__(self, url: str, ok: int) -> None:
        super().__init__(url, max_attempts=1)
        self.ok = ok
        self.calls: list[dict[str, Any]] = []

    async def call(self, method: str, path: str, params: Any = None, **kwargs: Any) -> Reply:
        self.calls.append(dict(params or {}))
        if len(self.calls) > self.ok:
            raise NetworkError("connection refused", endpoint=path)
        return await super().call(method, path, params, **kwargs)


async def test_an_interrupted_funding_download_resumes_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT-funding.csv"
    end = T0 + DAYS * DAY + 1
    async with emulator(funding_rates=RATES) as emu:
        broken = FailingRest(emu.rest_url, ok=1)
        with pytest.raises(DownloadFailed, match="connection refused") as failed:
            await download_funding(broken, path, "BTCUSDT", T0, end)
        await broken.close()
        assert failed.value.saved == 200 and not failed.value.bad_request
        assert held(path) == expected(MARKS - 200, MARKS)  # the newest page was kept
        working = FailingRest(emu.rest_url, ok=10)
        seen: list[tuple[int, int]] = []
        report = await download_funding(
            working, path, "BTCUSDT", T0, end, progress=lambda d, t: seen.append((d, t))
        )
        await working.close()
    first_kept = T0 + (MARKS - 200) * EIGHT_HOURS
    assert [c["endTime"] for c in working.calls] == [first_kept - 1]  # only the missing head
    assert report.added == MARKS - 200 and report.rows == MARKS
    assert seen == [(MARKS - 200, MARKS - 200)]
    assert held(path) == expected(0, MARKS)


async def test_mark_klines_go_to_a_mark_series_the_venue_can_name(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with emulator() as emu:
        url = ["--kind", "mark", "--interval", "1h", "--env", "custom", "--base-url"]
        code = await asyncio.to_thread(fetch, "--end", "2023-02-15", *url, emu.rest_url)
    assert code == 0
    assert "BYBIT/BTCUSDT-MARK-1h: +1,080 candles in 2 requests" in capsys.readouterr().out
    frame = pd.read_parquet(store / "BYBIT" / "BTCUSDT-MARK-1h.parquet")
    assert frame["open_time"].tolist() == SERIES.ts[:1080].tolist()
    assert np.allclose(frame["close"], SERIES.close[:1080], rtol=1e-12, atol=0)
    assert not frame["volume"].any()  # Bybit's mark-price rows carry no volume
    config = parse_config(
        SMALL_CONFIG.replace(
            "bots:",
            "paper:\n  category: linear\n  linear:\n    mark: {BTCUSDT: store:BTCUSDT-MARK-1h}\n"
            "bots:",
        ),
        "c.yaml",
        {},
    )
    missing = parse_config(
        SMALL_CONFIG.replace(
            "bots:",
            "paper:\n  category: linear\n  linear:\n    mark: {BTCUSDT: store:BTCUSDT-MARK-5m}\n"
            "bots:",
        ),
        "c.yaml",
        {},
    )
    with pytest.raises(ConfigError, match=r"paper.linear.mark.BTCUSDT: .*has no 'BTCUSDT-MARK-5m'"):
        mark_series(missing, LISTED)
    with pytest.raises(ConfigError, match="paper.linear.mark.BTCUSDT: no bot trades BTCUSDT"):
        mark_series(config, {})
    marks = mark_series(config, LISTED)["BTCUSDT"]
    assert len(marks) == 1080
    assert marks[int(SERIES.ts[7])] == Decimal(repr(float(SERIES.close[7])))  # on the 0.1 tick
    assert marks[int(SERIES.ts[7])].as_tuple().exponent >= -2
    exchange = paper_exchange(config, LISTED, lambda: int(SERIES.ts[7]))
    assert isinstance(exchange, PaperLinearExchange)
    ts = int(SERIES.ts[7])
    exchange.on_candle(Candle("BTCUSDT", ts, 19_000.0, 19_010.0, 18_990.0, 19_000.0, 1.0, HOUR))
    assert exchange.book.mark("BTCUSDT") == marks[ts]  # the mark series', not the last price


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "funding", "--category", "spot"], "--kind funding is for --category linear"),
        (["--kind", "mark", "--category", "spot"], "--kind mark is for --category linear"),
        (["--kind", "funding", "--exchange", "binance"], "--kind funding is Bybit's only"),
        (["--kind", "funding", "--end", "2020-01-01"], "--end is before --start"),
        (["--kind", "funding", "--symbol", "BTC/USDT"], "bad symbol 'BTC/USDT'"),
        (["--kind", "futures"], "invalid choice: 'futures'"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], store: Path
) -> None:
    run: Callable[[], int] = lambda: fetch(*args)  # noqa: E731
    try:
        code = run()
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not store.exists()
