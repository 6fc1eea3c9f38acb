"""Pilot tests of the backtest screen: the bot list follows the config, a run shows metrics and
charts, `e` exports the bot as a preset that loads, `t` and `s` run the CLI's perturbation and
comparison, and bad input is explained on screen."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fake_engine import FakeEngine
from textual.widgets import Input, Select, Static

from traderagent.backtest.montecarlo import DEFAULT_SEED
from traderagent.backtest.perturb_run import perturb_backtest
from traderagent.backtest.runner import run_backtest_sync
from traderagent.config import load_config
from tui.app import TraderAgentApp
from tui.screens.backtest import BacktestScreen
from tui.widgets.backtest_form import ALL_BOTS

SIZE = (120, 40)
TWO_BOTS = """
bots:
  - {name: g, strategy: {kind: grid, lower: '21000', upper: '25000', levels: 21,
     amount_per_level: '100'}}
  - {name: d, strategy: {kind: dca, base_order: '100', safety_order: '100'}}
"""


def shown(screen: BacktestScreen) -> str:
    result = screen.query_one("#bt-result", Static).render()
    chart = screen.query_one("#bt-chart", Static).render()
    return f"{result}\n{chart}"


async def test_a_run_shows_metrics_and_charts_and_e_exports_the_preset(tmp_path: Path) -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = BacktestScreen(
            Path("configs/dca.yaml"), "2023-03-06", "2023-03-07", presets_dir=tmp_path
        )
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.query_one("#bt-bot", Select).value == "dca-btc"
        screen.action_export()  # nothing run yet: nothing to export
        assert screen.exported is None
        screen.action_run()
        await asyncio.wait_for(screen.finished.wait(), 30)
        await pilot.pause()
        text = shown(screen)
        for label in ("Backtest of dca-btc (dca)", "max drawdown", "price BTCUSDT", "drawdown %"):
            assert label in text
        assert screen.result is not None and screen.result.metrics.candles == 1440
        await pilot.press("e")  # focus is on the output now, not in a field
        assert screen.exported is not None and screen.exported.parent == tmp_path
        preset = load_config(screen.exported)
        assert preset.bots == load_config("configs/dca.yaml").bots


async def test_the_bot_list_follows_the_config_and_errors_stay_on_screen(tmp_path: Path) -> None:
    config = tmp_path / "two.yaml"
    config.write_text(TWO_BOTS, encoding="utf-8")
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = BacktestScreen(None, "2023-03-08", "2023-03-06")
        await app.push_screen(screen)
        await pilot.pause()
        bots = screen.query_one("#bt-bot", Select)
        assert bots.value == "grid-btc"  # the built-in default's one bot
        field = screen.query_one("#bt-config", Input)
        field.value = str(config)
        screen.action_run()
        await pilot.pause()
        assert bots.value == ALL_BOTS  # two bots: all of them, on one account, by default
        assert "must come after the start" in shown(screen)
        field.value = str(tmp_path / "missing.yaml")
        screen.action_run()
        await pilot.pause()
        assert "missing.yaml: file not found" in shown(screen)


def tab_text(screen: BacktestScreen, static: str) -> str:
    return str(screen.query_one(f"#{static}", Static).render())


async def test_t_runs_perturbed_paths_and_s_runs_configs_side_by_side(tmp_path: Path) -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = BacktestScreen(Path("configs/dca.yaml"), "2023-03-06", "2023-03-07")
        await app.push_screen(screen)
        await pilot.pause()
        screen.action_ask("perturbed")  # before a run (`t` would type in the form's field)
        await pilot.press("2", "enter")
        await pilot.pause()
        assert "run a backtest to the end first" in tab_text(screen, "bt-perturb")
        screen.action_run()
        await asyncio.wait_for(screen.finished.wait(), 60)
        await pilot.pause()
        result = screen.result
        assert result is not None

        await pilot.press("t")  # the Perturbed tab, its Input focused
        assert isinstance(app.focused, Input) and app.focused.id == "bt-perturb-runs"
        await pilot.press("x", "enter")
        await pilot.pause()
        assert "a whole number from 1 to 100, not 'x'" in tab_text(screen, "bt-perturb")
        app.focused.value = ""
        await pilot.press("2", "enter")
        await asyncio.wait_for(screen.extra_finished.wait(), 120)
        await pilot.pause()
        # the CLI's own runs (`--perturb 2` under the default `--seed`): the same figures
        expected = await asyncio.to_thread(perturb_backtest, result, 2, DEFAULT_SEED)
        assert screen.analysis is not None and screen.analysis.perturbation == expected
        assert expected.line() in tab_text(screen, "bt-perturb")
        out = tmp_path / "cli.json"
        cli = ["backtest", "--config", "configs/dca.yaml", "--start", "2023-03-06"]
        cli += ["--end", "2023-03-07", "--perturb", "2", "--mc-runs", "10", "--json", str(out)]
        # its own process: the CLI's Ctrl-C handler needs the main thread, a pilot holds it
        command = [sys.executable, "-m", "traderagent", *cli]
        done = await asyncio.to_thread(subprocess.run, command, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        printed = json.loads(out.read_text(encoding="utf-8"))["perturbation"]
        assert printed == expected.as_json()

        await pilot.press("s")  # focus went back to the output: keys switch tabs again
        field = app.focused
        assert isinstance(field, Input) and field.id == "bt-compare-configs"
        field.value = str(tmp_path / "missing.yaml")
        await pilot.press("enter")
        await asyncio.wait_for(screen.extra_finished.wait(), 60)
        await pilot.pause()
        assert "missing.yaml: file not found" in tab_text(screen, "bt-compare")
        assert app.focused is field  # the Input keeps the focus, to be corrected
        field.value = "configs/default.yaml"
        await pilot.press("enter")
        await asyncio.wait_for(screen.extra_finished.wait(), 120)
        await pilot.pause()
        text = tab_text(screen, "bt-compare")
        header = next(line for line in text.splitlines() if "dca" in line and "default" in line)
        assert header.split() == ["dca", "default"]  # this run first, then the typed config
        alone = await asyncio.to_thread(
            run_backtest_sync,
            load_config("configs/default.yaml"),
            start=datetime(2023, 3, 6, tzinfo=UTC),
            end=datetime(2023, 3, 7, tzinfo=UTC),
        )
        net = next(line for line in text.splitlines() if line.strip().startswith("net PnL"))
        expected_net = f"{result.metrics.net_pnl:+,.2f}  {alone.metrics.net_pnl:+,.2f}"
        assert net.split()[2:] == expected_net.split()  # the same data, the same range
        assert "equity, % of the start" in text
