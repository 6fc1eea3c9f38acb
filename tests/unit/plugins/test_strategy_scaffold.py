"""`traderagent strategy new NAME` (issue 20): a documented template strategy and its test,
which pass the contract kit and pytest as written; nothing is ever overwritten."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from traderagent.cli import main
from traderagent.plugins import load_plugin
from traderagent.plugins.scaffold import names_of


@pytest.mark.parametrize(
    ("name", "module", "cls"),
    [("rsi_dip", "rsi_dip", "RsiDip"), ("my-dip", "my_dip", "MyDip"), ("MyDip", "my_dip", "MyDip")],
)
def test_a_name_gives_the_file_kind_and_class(name: str, module: str, cls: str) -> None:
    assert names_of(name) == (module, cls)


def test_new_writes_a_strategy_that_passes_check_and_a_test_that_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["strategy", "new", "dip-buyer", "--dir", str(tmp_path / "mine")]) == 0
    strategy, test = tmp_path / "mine" / "dip_buyer.py", tmp_path / "mine" / "test_dip_buyer.py"
    assert f"wrote {strategy} and {test}" in capsys.readouterr().out
    source = strategy.read_text()
    for method in ("prime", "on_start", "on_candle", "on_fill", "on_resume", "wind_down"):
        assert f"    def {method}(" in source
    plugin = load_plugin(str(strategy))
    assert plugin.kind == "dip_buyer" and plugin.source.endswith("dip_buyer.py:DipBuyer")
    assert all(f.description for f in plugin.config.model_fields.values())

    assert main(["strategy", "check", str(strategy), "--candles", "3000"]) == 0
    assert "all 6 checks passed" in capsys.readouterr().out

    spec = importlib.util.spec_from_file_location("test_dip_buyer_written", test)
    assert spec is not None and spec.loader is not None
    written = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(written)
    tests = [name for name in vars(written) if name.startswith("test_")]
    assert tests == ["test_it_buys_a_dip_below_the_average", "test_it_passes_the_contract_kit"]
    for name in tests:
        getattr(written, name)()  # raises if the written test fails


def test_new_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "rsi_dip.py"
    mine.write_text("# my work\n")
    assert main(["strategy", "new", "rsi_dip", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {mine} exists already: nothing written (choose another name)\n"
    assert mine.read_text() == "# my work\n"
    assert not (tmp_path / "test_rsi_dip.py").exists()


@pytest.mark.parametrize("name", ["9lives", "class", "bad name", "_x", "é"])
def test_a_name_that_cannot_be_a_module_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["strategy", "new", name, "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is not a strategy name" in err
    assert not list(tmp_path.iterdir())
