"""`config check` beyond the schema: the replay data exists, each bot's plan fits its share of
the paper balance, and remapped keys name real bindings and leave Textual's keys alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG, write_config

from traderagent.cli import main

README = Path(__file__).parents[2] / "README.md"


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["config", "check", str(write_config(tmp_path, text))])
    return code, capsys.readouterr().err


def test_a_missing_data_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = check(tmp_path, SMALL_CONFIG.replace("data: bundled", "data: gone.csv"), capsys)
    assert code == 2 and "replay.data: gone.csv: not found" in err
    code, err = check(tmp_path, SMALL_CONFIG.replace("data: bundled", f"data: {tmp_path}"), capsys)
    assert code == 2 and "is a directory" in err


def test_a_plan_bigger_than_its_share_of_the_balance_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = SMALL_CONFIG.replace('amount_per_level: "200"', 'amount_per_level: "600"')
    code, err = check(tmp_path, big, capsys)  # 20 levels x 600 = 12,000 > 10,000
    assert code == 2
    assert "bots[0] (grid-btc): its plan commits up to 12000 USDT" in err
    assert "share of the paper balance is 10000 USDT" in err
    halved = SMALL_CONFIG.replace(
        "    symbol: BTCUSDT\n", "    symbol: BTCUSDT\n    budget_pct: 30\n"
    )
    code, err = check(tmp_path, halved, capsys)  # 4,000 > 30 % of 10,000
    assert code == 2 and "share of the paper balance is 3000 USDT" in err
    assert check(tmp_path, SMALL_CONFIG, capsys)[0] == 0


@pytest.mark.parametrize(
    "keys, says",
    [
        ('{pause_resum: "x"}', "tui.keys.pause_resum: no such binding"),
        ('{pause_resume: "ctrl+p"}', "ctrl+p is Textual's key for the command palette"),
        ('{halt_all: "p"}', "tui.keys.halt_all: p is already the key of pause_resume"),
    ],
)
def test_remapped_keys_must_name_bindings_and_free_keys(
    tmp_path: Path, keys: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = check(tmp_path, SMALL_CONFIG + f"tui:\n  keys: {keys}\n", capsys)
    assert code == 2 and says in err, err


def test_the_readme_key_example_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = re.search(r"`(tui: \{keys: \{[^`]*\}\})`", README.read_text())
    assert example is not None
    code, err = check(tmp_path, SMALL_CONFIG + example.group(1) + "\n", capsys)
    assert code == 0, err
