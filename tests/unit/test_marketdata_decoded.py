"""The decoded copy of a candle file (`marketdata.decoded`): the very series back, decoded
anew when the file changes, and the file decoded as before when the copy cannot be used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from traderagent.backtest import inputs
from traderagent.marketdata.decoded import decoded_candles
from traderagent.marketdata.merge import FIELDS
from traderagent.marketdata.series import CandleSeries
from traderagent.marketdata.store import CandleStore, StoreKey

KEY = StoreKey("LOCAL", "BTCUSDT", 60_000)


def _series(n: int, start: float = 100.0) -> CandleSeries:
    ts = 1_700_000_000_000 + 60_000 * np.arange(n, dtype=np.int64)
    close = start + np.cumsum(np.full(n, 0.1))  # values with long binary expansions
    return CandleSeries("BTCUSDT", 60_000, ts, close, close + 1.0, close - 1.0, close, close / 3)


class Loads:
    """A `load` that counts its calls."""

    def __init__(self, series: CandleSeries) -> None:
        self.series, self.calls = series, 0

    def __call__(self) -> CandleSeries:
        self.calls += 1
        return self.series


def _same(a: CandleSeries, b: CandleSeries) -> bool:
    fields = ("ts", *FIELDS)
    return (
        a.symbol == b.symbol
        and a.interval_ms == b.interval_ms
        and all(
            np.array_equal(getattr(a, n), getattr(b, n))
            and getattr(a, n).dtype == getattr(b, n).dtype
            for n in fields
        )
    )


def test_the_copy_gives_the_very_series_without_decoding_again(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    source.write_text("anything: the load below stands for decoding it\n")
    load = Loads(_series(500))
    first = decoded_candles(source, "BTCUSDT", load, root=tmp_path / "cache")
    again = decoded_candles(source, "BTCUSDT", load, root=tmp_path / "cache")
    assert load.calls == 1
    assert _same(again, load.series) and again is not first


def test_a_changed_file_is_decoded_anew(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    source.write_text("one\n")
    cache = tmp_path / "cache"
    decoded_candles(source, "BTCUSDT", Loads(_series(50)), root=cache)
    source.write_text("two, longer\n")
    changed = Loads(_series(60, start=200.0))
    got = decoded_candles(source, "BTCUSDT", changed, root=cache)
    assert changed.calls == 1 and len(got) == 60
    assert len(list(cache.iterdir())) == 1  # the old copy replaced, not kept beside it
    assert _same(decoded_candles(source, "BTCUSDT", Loads(_series(1)), root=cache), got)


def test_another_symbol_is_another_copy(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    source.write_text("x\n")
    decoded_candles(source, "BTCUSDT", Loads(_series(50)), root=tmp_path / "cache")
    other = Loads(_series(40))
    decoded_candles(source, "ETHUSDT", other, root=tmp_path / "cache")
    assert other.calls == 1


def test_a_damaged_copy_is_decoded_anew_and_replaced(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    source.write_text("x\n")
    cache = tmp_path / "cache"
    decoded_candles(source, "BTCUSDT", Loads(_series(50)), root=cache)
    (copy,) = cache.iterdir()
    copy.write_bytes(copy.read_bytes()[:-100])  # truncated
    load = Loads(_series(50))
    assert _same(decoded_candles(source, "BTCUSDT", load, root=cache), load.series)
    assert load.calls == 1
    assert _same(decoded_candles(source, "BTCUSDT", Loads(_series(1)), root=cache), load.series)


def test_an_unwritable_cache_only_costs_the_decoding(tmp_path: Path) -> None:
    source = tmp_path / "candles.csv"
    source.write_text("x\n")
    cache = tmp_path / "cache"
    cache.write_text("a file where the directory would be")  # unwritable even for root
    load = Loads(_series(20))
    decoded_candles(source, "BTCUSDT", load, root=cache)
    decoded_candles(source, "BTCUSDT", load, root=cache)
    assert load.calls == 2


def test_a_missing_file_is_left_to_the_loader_to_report(tmp_path: Path) -> None:
    def load() -> CandleSeries:
        raise FileNotFoundError("the loader's own words")

    with pytest.raises(FileNotFoundError, match="own words"):
        decoded_candles(tmp_path / "absent.csv", "BTCUSDT", load, root=tmp_path / "cache")


def test_a_new_process_reads_the_store_from_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path))
    CandleStore(tmp_path / "candles").write(KEY, _series(300))
    wanted, _ = inputs.load_series("store:BTCUSDT-1m", "BTCUSDT")
    assert list((tmp_path / "cache" / "candles").glob("*.npy"))
    inputs.LOADED.clear()  # as a new process starts
    again, _ = inputs.load_series("store:BTCUSDT-1m", "BTCUSDT")
    assert again is not wanted and _same(again, wanted)
