"""`traderagent data import|download|list`: every file format into the Parquet store, merges,
clear errors with exit 2 and an untouched store, downloads from the emulator over several
pages with retries and resume, and `store:` references as candle data."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from kit.factories import SMALL_CONFIG

from traderagent.cli import main
from traderagent.commands.data_download import ProgressLine
from traderagent.config import parse_config
from traderagent.exchanges.bybit.errors import NetworkError
from traderagent.exchanges.bybit.rest import BybitRest, Reply
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import CandleSeries, MarketDataError, load_bundled, load_candles
from traderagent.marketdata.download import DownloadFailed, download
from traderagent.marketdata.store import CandleStore, StoreKey
from traderagent.wiring.venues import load_feed

MINUTE = 60_000
T0 = 1_700_000_040_000 // MINUTE * MINUTE
FIELDS = ("open", "high", "low", "close", "volume")
BUNDLED_DATA = '  data: bundled\n  speed: max\n  end: "2023-03-02T00:00:00Z"\n'
STORED_DATA = "  data: store:LOCAL/BTCUSDT-1m\n"


def candles(n: int, start: int = T0, seed: int = 1) -> pd.DataFrame:
    """n valid 1m candles as a frame with an epoch-ms `ts` column."""
    rng = np.random.default_rng(seed)
    close = 30_000 + np.cumsum(rng.normal(0, 5, n))
    open_ = np.concatenate(([close[0]], close[:-1]))
    return pd.DataFrame(
        {
            "ts": start + np.arange(n, dtype=np.int64) * MINUTE,
            "open": open_,
            "high": np.maximum(open_, close) + 1.5,
            "low": np.minimum(open_, close) - 1.5,
            "close": close,
            "volume": rng.uniform(0, 10, n),
        }
    )


def write(frame: pd.DataFrame, path: Path) -> Path:
    """`frame` in the format `path`'s suffix names (freqtrade's for feather and JSON)."""
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        frame.rename(columns={"ts": "timestamp"}).to_csv(path, index=False)
    elif name.endswith(".parquet"):
        dated = frame.assign(date=pd.to_datetime(frame.ts, unit="ms", utc=True))
        dated.drop(columns="ts").to_parquet(path)
    elif name.endswith(".feather"):
        dated = frame.assign(date=pd.to_datetime(frame.ts, unit="ms", utc=True))
        dated[["date", *FIELDS]].reset_index(drop=True).to_feather(path)
    else:
        rows = [[int(r.ts), r.open, r.high, r.low, r.close, r.volume] for r in frame.itertuples()]
        text = json.dumps(rows)
        if name.endswith(".gz"):
            path.write_bytes(gzip.compress(text.encode()))
        else:
            path.write_text(text, encoding="utf-8")
    return path


def stored(root: Path, key: str = "LOCAL/BTCUSDT-1m") -> pd.DataFrame:
    return pd.read_parquet(root / f"{key}.parquet")


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    left = a.rename(columns={"open_time": "ts"}).reset_index(drop=True)
    return bool(left[["ts", *FIELDS]].equals(b[["ts", *FIELDS]].reset_index(drop=True)))


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "candles"


@pytest.mark.parametrize(
    "name",
    [
        "BTC_USDT-1m.feather",
        "BTC_USDT-1m.json",
        "BTC_USDT-1m.json.gz",
        "x.csv",
        "x.csv.gz",
        "x.parquet",
    ],
)
def test_each_format_imports_exactly(
    name: str, tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = candles(300)
    path = write(frame, tmp_path / name)
    symbol = [] if name.startswith("BTC_USDT") else ["--symbol", "btcusdt"]  # else from the name
    assert main(["data", "import", str(path), *symbol]) == 0
    assert same(stored(store), frame)
    assert "LOCAL/BTCUSDT-1m: +300 candles, 300 stored" in capsys.readouterr().out


def test_merge_dedupes_sorts_and_lists_gaps(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = candles(1_000)
    late = write(frame.iloc[600:].iloc[::-1], tmp_path / "late.csv")  # newest first
    early = write(frame.iloc[:700], tmp_path / "BTC_USDT-1m.feather")  # overlaps late by 100
    assert main(["data", "import", str(late), "--symbol", "BTCUSDT"]) == 0
    assert main(["data", "import", str(early)]) == 0
    assert same(stored(store), frame)
    holed = write(candles(50, start=T0 + 1_100 * MINUTE, seed=3), tmp_path / "BTC_USDT-1m.json")
    assert main(["data", "import", str(holed)]) == 0
    capsys.readouterr()
    assert main(["data", "list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "BTCUSDT" in line)
    assert row.split()[:3] == ["LOCAL", "BTCUSDT", "1m"]
    assert row.split()[-3:] == ["1,050", "1", "100"]  # rows, gaps, missing candles


def test_import_checks_every_file_before_writing(tmp_path: Path, store: Path) -> None:
    good = write(candles(100), tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    candles(100).drop(columns="low").to_csv(bad, index=False)
    assert main(["data", "import", str(good), str(bad), "--symbol", "BTCUSDT"]) == 2
    assert not store.exists()


@pytest.mark.parametrize(
    ("content", "name", "args", "message"),
    [
        ("hello", "candles.txt", ["--symbol", "BTCUSDT"], "unknown candle file format '.txt'"),
        (
            "timestamp,open,high,close\n1,2,3,4\n",
            "a.csv",
            ["--symbol", "BTCUSDT"],
            "missing column 'low'",
        ),
        ('{"a": 1}', "BTC_USDT-1m.json", [], "not a freqtrade candle file"),
        ("[[1, 2, 3]]", "BTC_USDT-1m.json", [], "row 1 is [1, 2, 3]"),
        ("timestamp,open,high,low,close,volume\n", "a.csv", ["--symbol", "B"], "no candles"),
        ("", "nosymbol.csv", [], "pass --symbol"),
        ("", "a.csv", ["--symbol", "../etc"], "bad symbol"),
    ],
)
def test_bad_files_exit_2_with_a_message(
    content: str,
    name: str,
    args: list[str],
    message: str,
    tmp_path: Path,
    store: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["data", "import", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not store.exists()


def test_interval_must_match_the_data(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(candles(100), tmp_path / "BTC_USDT-5m.feather")  # the name says 5m: it is 1m
    assert main(["data", "import", str(path)]) == 2
    assert "mostly 1m apart, not 5m: pass --interval 1m" in capsys.readouterr().err
    assert main(["data", "import", str(path), "--interval", "1m"]) == 0


def test_overlap_that_disagrees_leaves_the_store_untouched(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = candles(200)
    assert (
        main(["data", "import", str(write(frame, tmp_path / "a.csv")), "--symbol", "BTCUSDT"]) == 0
    )
    before = (store / "LOCAL/BTCUSDT-1m.parquet").read_bytes()
    changed = frame.iloc[150:].copy()
    changed["high"] += 1.0
    path = write(changed, tmp_path / "b.csv")
    assert main(["data", "import", str(path), "--symbol", "BTCUSDT"]) == 2
    err = capsys.readouterr().err
    when = pd.Timestamp(frame.ts[150], unit="ms").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (
        f"new candles disagree with LOCAL/BTCUSDT-1m: two different candles open at {when}" in err
    )
    assert "--replace" in err and "store is unchanged" in err
    assert (store / "LOCAL/BTCUSDT-1m.parquet").read_bytes() == before
    assert sorted(p.name for p in (store / "LOCAL").iterdir()) == ["BTCUSDT-1m.parquet"]
    assert main(["data", "import", str(path), "--symbol", "BTCUSDT", "--replace"]) == 0
    assert stored(store)["high"].iloc[150:].tolist() == changed["high"].tolist()


def test_store_reference_feeds_the_replay_and_the_loader(tmp_path: Path, store: Path) -> None:
    frame = candles(500)
    assert main(["data", "import", str(write(frame, tmp_path / "BTC_USDT-1m.json"))]) == 0
    series = load_candles("store:BTCUSDT-1m", "BTCUSDT")
    assert len(series) == 500 and series.interval_ms == MINUTE
    assert len(load_candles(store / "LOCAL/BTCUSDT-1m.parquet")) == 500  # the file as a path
    config = parse_config(SMALL_CONFIG.replace(BUNDLED_DATA, STORED_DATA), "t", {})
    replayed, _history, label = load_feed(config)
    assert replayed.ts.tolist() == frame.ts.tolist() and label == "store:LOCAL/BTCUSDT-1m"
    with pytest.raises(MarketDataError, match="holds BTCUSDT candles, not ETHUSDT"):
        load_candles("store:BTCUSDT-1m", "ETHUSDT")
    with pytest.raises(MarketDataError, match="has no 'BTCUSDT-5m'; it holds: LOCAL/BTCUSDT-1m"):
        load_candles("store:BTCUSDT-5m", "BTCUSDT")


# -- download --------------------------------------------------------------------------------

BUNDLED = load_bundled().head(3_000)
WARMUP = 2_600  # closed candles the emulator serves: three pages of 1,000
START = "2023-03-01T00:00:00Z"


def fetch(*args: str) -> int:
    """The CLI in a worker thread: it runs its own event loop beside the emulator's."""
    return main(["data", "download", "--symbol", "BTCUSDT", "--start", START, *args])


def expected(n: int) -> CandleSeries:
    return BUNDLED.head(n)


def assert_stored(root: Path, want: CandleSeries, key: str = "BYBIT/BTCUSDT-1m") -> None:
    got = stored(root, key)
    assert got["open_time"].tolist() == want.ts.tolist()
    for name in FIELDS:
        assert np.allclose(got[name].to_numpy(), getattr(want, name), rtol=1e-12, atol=0)


async def test_download_pages_a_range_then_resumes(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_emulator(BUNDLED, speed=None, warmup=WARMUP) as emu:
        url = ["--env", "custom", "--base-url", emu.rest_url]
        code = await asyncio.to_thread(fetch, "--end", "2023-03-02T12:00Z", *url)
        assert code == 0
        assert "BYBIT/BTCUSDT-1m: +2,160 candles in 3 requests" in capsys.readouterr().out
        assert_stored(store, expected(2_160))
        code = await asyncio.to_thread(fetch, *url)  # to now: only what is missing
        assert code == 0
        assert "+440 candles in 1 request," in capsys.readouterr().out
        assert_stored(store, expected(WARMUP))
        code = await asyncio.to_thread(fetch, "--end", "2023-03-02T00:00Z", *url)
        assert code == 0
        assert "already holds that range" in capsys.readouterr().out


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


async def test_an_interrupted_download_resumes_where_it_stopped(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    key = StoreKey("BYBIT", "BTCUSDT", MINUTE)
    start, end = int(BUNDLED.ts[0]), int(BUNDLED.ts[WARMUP - 1]) + MINUTE
    async with running_emulator(BUNDLED, speed=None, warmup=WARMUP) as emu:
        broken = FailingRest(emu.rest_url, ok=2)
        with pytest.raises(DownloadFailed, match="connection refused") as failed:
            await download(broken, store, key, start, end, flush_rows=1_000)
        await broken.close()
        assert failed.value.saved == 2_000 and not failed.value.bad_request
        kept = store.read(key)
        assert kept is not None and kept.ts.tolist() == BUNDLED.ts[600:WARMUP].tolist()
        working = FailingRest(emu.rest_url, ok=10)
        seen: list[tuple[int, int]] = []
        report = await download(
            working, store, key, start, end, progress=lambda d, t: seen.append((d, t))
        )
        await working.close()
    assert [c["end"] for c in working.calls] == [int(BUNDLED.ts[599])]  # only the missing head
    assert report.added == 600 and report.rows == WARMUP and seen == [(600, 600)]
    assert_stored(tmp_path, expected(WARMUP))


async def test_download_retries_server_errors(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    key = StoreKey("BYBIT", "BTCUSDT", MINUTE)
    start, end = int(BUNDLED.ts[0]), int(BUNDLED.ts[WARMUP - 1]) + MINUTE

    async def no_wait(_seconds: float) -> None:
        await asyncio.sleep(0)

    async with running_emulator(
        BUNDLED, speed=None, warmup=WARMUP, faults="http5xx=0.5,seed=3"
    ) as emu:
        rest = BybitRest(emu.rest_url, max_attempts=12, sleep=no_wait)
        report = await download(rest, store, key, start, end)
        await rest.close()
        injected = [f for f in emu.faults_injected() if f.kind == "http5xx"]
    assert injected, "the fault spec should have failed some requests"
    assert report.requests == 3 and report.added == WARMUP
    assert_stored(tmp_path, expected(WARMUP))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "yesterday"], "not an ISO 8601 date or time: 'yesterday'"),
        (["--start", START, "--interval", "7m"], "Bybit has no 420000 ms candles"),
        (["--start", START, "--interval", "fast"], "bad interval 'fast'"),
        (["--start", START, "--env", "custom"], "env 'custom' needs a url"),
        (["--start", START, "--end", "2020-01-01"], "--end is before --start"),
    ],
)
def test_download_bad_arguments_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], store: Path
) -> None:
    run: Callable[[], int] = lambda: main(["data", "download", "--symbol", "BTCUSDT", *args])  # noqa: E731
    try:
        code = run()
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not store.exists()


async def test_download_of_an_unknown_symbol_exits_2(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_emulator(BUNDLED, speed=None, warmup=10) as emu:
        args = ["--symbol", "NOPEUSDT", "--start", START, "--env", "custom", "--base-url"]
        code = await asyncio.to_thread(main, ["data", "download", *args, emu.rest_url])
    assert code == 2
    assert "Not supported symbols" in capsys.readouterr().err
    assert not (store / "BYBIT").exists()


def test_progress_is_drawn_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        line = ProgressLine("BYBIT/BTCUSDT-1m", stream)
        line(500, 2_000)
        line(600, 2_000)  # within 0.1 s of the last: skipped
        line.end()
    assert terminal.getvalue() == "\rBYBIT/BTCUSDT-1m: 500 of at most 2,000 candles (25%)  \n"
    assert pipe.getvalue() == ""


def test_list_of_an_empty_store(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list"]) == 0
    assert f"the candle store ({store}) is empty" in capsys.readouterr().out
