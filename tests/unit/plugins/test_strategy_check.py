"""`traderagent strategy check` (issue 20): the worked examples and the built-in kinds pass
the contract kit; a deliberately broken strategy for each check fails that check, exit 1,
with a message saying what happened and how to fix it; bad input exits 2 in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from traderagent.cli import main

HERE = Path(__file__).parent
BROKEN = HERE / "broken"
EXAMPLES = HERE.parents[2] / "examples" / "strategies"
CANDLES = "3000"  # two days of the bundled minutes: enough for every broken sample to show


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["strategy", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "target",
    [
        f"{EXAMPLES / 'rsi_reversion.py'}:RsiReversion",
        f"{EXAMPLES / 'bollinger_breakout.py'}:BollingerBreakout",
        "grid",
        "dca",
        "trend",
    ],
)
def test_the_examples_and_the_built_in_kinds_pass_on_the_bundled_data(
    capsys: pytest.CaptureFixture[str], target: str
) -> None:
    code, out, err = _check(capsys, target)
    assert code == 0, out + err
    assert "30,240 candles" in out
    for name in ("config", "purity", "determinism", "look-ahead", "fills", "wake"):
        assert f"ok   {name}" in out
    assert "all 6 checks passed" in out
    quiet = target in ("grid", "dca", "trend")  # the built-ins tell their wake condition
    assert ("the same decisions as stepping all" in out) is quiet
    assert ("no wake(): every candle is stepped" in out) is not quiet


@pytest.mark.parametrize(
    ("target", "check", "says", "fix"),
    [
        (
            "undocumented.py:Undocumented",
            "config",
            "Config fields without a description: threshold",
            "give each field a docstring",
        ),
        (
            "impure_clock.py:ImpureClock",
            "purity",
            "impure_clock.py line 5: imports time: the clock",
            "remove the import or call",
        ),
        (
            "impure_hidden.py:ImpureHidden",
            "purity",
            "during the run it tried datetime.now() (at impure_hidden.py:24)",
            "reads no clock (use ctx.ts)",
        ),
        (
            "impure_hidden.py:HiddenFile",
            "purity",
            "during the run it tried opening a file 'diary.log' (at impure_hidden.py:20)",
            "opens no file or connection",
        ),
        (
            "nondeterministic.py:Nondeterministic",
            "determinism",
            "the same candles twice gave different decisions: the first run decided at candle #",
            "The audit notes line 16: calls random.random(): the shared unseeded random.",
        ),
        (
            "lookahead.py:Lookahead",
            "look-ahead",
            "decided otherwise before the cut: the whole run decided at candle #",
            "not in a class attribute, a module global or a cache shared by instances",
        ),
        (
            "lying_wake.py:LyingWake",
            "wake",
            "passing over the candles its wake() let pass changed its decisions: only stepping "
            "every candle decided at candle #",
            "wake() must wake on every candle that could make on_candle decide",
        ),
        (
            "raising.py:Raising",
            "raises",
            "candle at candle #361 (2023-03-01 06:01 UTC) raised IndexError: list index out of "
            "range (at raising.py:",
            "a strategy that raises sets its bot aside",
        ),
        (
            "bad_intents.py:BadIntents",
            "intents",
            "the engine could not act on what it returned: resume at candle #1000 returned "
            "NoneType, not a list",
            "return a list of PlaceOrder/CancelOrder/CancelAll",
        ),
        (
            "unmanaged_fill.py:UnmanagedFill",
            "fills",
            "on_fill of an order it had cancelled (late fill entry, candle #",
            "a fill can cross a cancel",
        ),
    ],
)
def test_a_broken_strategy_fails_its_check_with_what_and_how_to_fix(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    check: str,
    says: str,
    fix: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # a strategy that got to write a file would leave it here
    code, out, _ = _check(capsys, str(BROKEN / target), "--candles", CANDLES)
    assert code == 1, out
    failed = [line for line in out.splitlines() if line.startswith("  FAIL")]
    assert len(failed) == 1 and failed[0].split()[1] == check, out
    assert says in failed[0]
    assert out.splitlines()[-1].startswith("how to fix: ") and fix in out.splitlines()[-1]
    passed = [line.split()[1] for line in out.splitlines() if line.startswith("  ok")]
    order = ["config", "purity", "determinism", "look-ahead", "fills", "wake"]
    ran = order.index(check) if check in order else 1  # a run's crash shows in the first run
    assert passed == order[:ran]  # the first failure ends the run
    assert not list(tmp_path.iterdir())  # the guard refused the write before it happened


def test_the_unbroken_base_of_the_broken_samples_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _check(capsys, str(BROKEN / "base_dip.py:BaseDip"), "--candles", CANDLES)
    assert code == 0, out  # so each sample fails by its own bug, not by the shared code
    assert "fills of cancelled orders managed" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nowhere/x.py:X"], "no such strategy file"),
        ([f"{EXAMPLES / 'rsi_reversion.py'}:Nope"], "no class Nope in it (defined: RsiReversion)"),
        (["martingale"], "neither a strategy file (path.py:Class) nor a kind (known: grid"),
        (["grid", "--config", "{levels: 1}"], "setting levels: Input should be greater"),
        (["grid", "--config", "[1, 2]"], "give the strategy's settings as a mapping"),
        (
            ["grid", "--config", "{lower: '1', upper: '2', levels: 2, amount_per_level: '1'}"],
            "grid: cannot be built with these settings: amount_per_level 1 is too small",
        ),
        (["grid", "--config", "{kind: dca}"], "--config names kind 'dca', the strategy is 'grid'"),
        (["grid", "--data", "nowhere.csv"], "nowhere.csv"),
        (["grid", "--candles", "5"], "give at least 100 candles"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, out, err = _check(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err
    assert "Traceback" not in out + err


def test_settings_given_with_config_are_the_ones_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = tmp_path / "rsi.yaml"
    settings.write_text("bar_minutes: 5\noversold: 40\n")
    target = f"{EXAMPLES / 'rsi_reversion.py'}:RsiReversion"
    code, default, _ = _check(capsys, target, "--candles", CANDLES)
    code_given, given, _ = _check(capsys, target, "--candles", CANDLES, "--config", str(settings))
    assert code == code_given == 0
    # 5-minute bars and a higher oversold threshold decide more often than the defaults
    assert _decisions(given) > _decisions(default) > 0


def _decisions(out: str) -> int:
    """N of the determinism line's `two runs, N identical decisions`."""
    line = next(line for line in out.splitlines() if "ok   determinism" in line)
    return int(line.split("two runs, ")[1].split()[0].replace(",", ""))
