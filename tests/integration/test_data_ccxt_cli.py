"""`traderagent data download --exchange ID`: candles of any ccxt exchange into the store,
here ccxt's own `bybit` class against the emulator: pages, resume after an interruption,
the forming candle left out, one-line errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from traderagent.cli import main
from traderagent.exchanges.ccxt.client import make_client
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.ccxt.download import CcxtDownloadFailed, download_ohlcv
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled
from traderagent.marketdata.store import CandleStore, StoreKey

ccxt = pytest.importorskip("ccxt")

BUNDLED = load_bundled().head(3_000)
SERVED = 1_300  # closed candles the emulator serves
START = "2023-03-01T00:00:00Z"
MINUTE = 60_000
FIELDS = ("open", "high", "low", "close", "volume")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "candles"


def fetch(url: str, *args: str) -> int:
    """The CLI in a worker thread: it runs its own event loop beside the emulator's."""
    argv = ["data", "download", "--exchange", "bybit", "--base-url", url, "--category", "spot"]
    return main([*argv, "--symbol", "BTCUSDT", "--start", START, *args])


def assert_stored(root: Path, n: int) -> None:
    got = pd.read_parquet(root / "BYBIT" / "BTCUSDT-1m.parquet")
    want = BUNDLED.head(n)
    assert got["open_time"].tolist() == want.ts.tolist()
    for name in FIELDS:
        assert np.allclose(got[name].to_numpy(), getattr(want, name), rtol=1e-12, atol=0)


async def test_download_pages_a_range_then_resumes(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_emulator(BUNDLED, speed=None, warmup=SERVED) as emu:
        code = await asyncio.to_thread(fetch, emu.rest_url, "--end", "2023-03-01T12:00Z")
        assert code == 0, capsys.readouterr().err
        assert "BYBIT/BTCUSDT-1m: +720 candles in 2 requests" in capsys.readouterr().out
        assert_stored(store, 720)
        code = await asyncio.to_thread(fetch, emu.rest_url)  # to now: only what is missing
        assert code == 0
        out = capsys.readouterr().out
        assert f"+{SERVED - 720} candles" in out and f"{SERVED:,} stored" in out
        assert_stored(store, SERVED)
        code = await asyncio.to_thread(fetch, emu.rest_url, "--end", "2023-03-01T06:00Z")
        assert code == 0
        assert "already holds that range" in capsys.readouterr().out


class Flaky:
    """ccxt's client, whose network goes away after `ok` candle requests."""

    def __init__(self, client: Any, ok: int) -> None:
        self.client, self.ok, self.calls = client, ok, 0

    async def fetch_ohlcv(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls > self.ok:
            raise ccxt.NetworkError("connection refused")
        return await self.client.fetch_ohlcv(*args, **kwargs)

    def milliseconds(self) -> int:
        return int(self.client.milliseconds())


class Live:
    """An exchange at wall-clock time whose newest candle is still forming."""

    def __init__(self, now: int) -> None:
        self.now = now

    def milliseconds(self) -> int:
        return self.now

    async def fetch_ohlcv(self, market: str, frame: str, **kw: Any) -> list[list[float]]:
        first = self.now // MINUTE * MINUTE - 4 * MINUTE
        return [[first + k * MINUTE, 1.0, 2.0, 0.5, 1.5, 10.0] for k in range(5)]


async def test_the_forming_candle_is_never_stored(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    key = StoreKey("X", "BTCUSDT", MINUTE)
    now = 1_700_000_030_000  # half a minute into the newest candle
    live = Live(now)
    report = await download_ohlcv(live, "BTC/USDT", store, key, now - 10 * MINUTE, now)
    held = store.read(key)
    assert held is not None and report.added == 4
    assert int(held.ts[-1]) + MINUTE <= now


async def test_an_interrupted_download_resumes_where_it_stopped(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    key = StoreKey("BYBIT", "BTCUSDT", MINUTE)
    start, end = int(BUNDLED.ts[0]), int(BUNDLED.ts[SERVED - 1]) + MINUTE
    async with running_emulator(BUNDLED, speed=None, warmup=SERVED) as emu:
        client = make_client(CcxtConfig(exchange="bybit", url=emu.rest_url, streams=False), None)
        try:
            await client.load_markets()
            broken = Flaky(client, ok=2)
            with pytest.raises(CcxtDownloadFailed, match="connection refused") as failed:
                await download_ohlcv(broken, "BTC/USDT", store, key, start, end, retries=0)
            assert failed.value.saved == 1_000  # two pages of 500 reached the store
            kept = store.read(key)
            assert kept is not None and kept.ts.tolist() == BUNDLED.ts[:1_000].tolist()
            seen: list[tuple[int, int]] = []
            report = await download_ohlcv(
                Flaky(client, ok=10),
                "BTC/USDT",
                store,
                key,
                start,
                end,
                progress=lambda done, total: seen.append((done, total)),
            )
        finally:
            await client.close()
    assert report.added == SERVED - 1_000 and report.rows == SERVED
    assert seen[-1] == (SERVED - 1_000, SERVED - 1_000)  # the progress bar's last word
    assert_stored(tmp_path, SERVED)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exchange", "nosuchexchange"], "ccxt has no exchange 'nosuchexchange'"),
        (["--exchange", "Bin ance"], "not a ccxt exchange id"),
        (["--exchange", "binance", "--interval", "7m"], "no ccxt timeframe for 420000 ms"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(
    args: list[str], message: str, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["data", "download", "--symbol", "BTCUSDT", "--start", START, *args])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not store.exists()
