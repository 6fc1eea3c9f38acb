"""Loading a user's strategy (issue 20): from `file.py:Class` or an entry point of the group
`traderagent.strategies`, as a StrategyPlugin; every way it can be wrong is one PluginError
line saying what to do."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from strategies.base import StrategyContext
from traderagent.domain import OrderType, PlaceOrder
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.plugins import (
    PluginError,
    entry_point_plugins,
    load_plugin,
    load_strategy_class,
)
from traderagent.plugins import loader as loader_module

EXAMPLES = Path(__file__).parents[3] / "examples" / "strategies"
BTCUSDT = DEFAULT_INSTRUMENTS["BTCUSDT"]

HEADER = """
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field
from base_sample import Quiet
"""
GOOD_CONFIG = '''
    class Config(BaseModel):
        model_config = ConfigDict(use_attribute_docstrings=True)
        kind: Literal["mine"] = "mine"
        """Strategy kind."""
'''


def _write(tmp_path: Path, body: str) -> str:
    (tmp_path / "base_sample.py").write_text((Path(__file__).parent / "base_sample.py").read_text())
    path = tmp_path / "mine.py"
    path.write_text(HEADER + body)
    return str(path)


def test_an_example_loads_as_a_plugin_that_builds_a_working_strategy() -> None:
    plugin = load_plugin(f"{EXAMPLES / 'rsi_reversion.py'}:RsiReversion")
    assert plugin.kind == "rsi_reversion"
    assert plugin.config.__name__ == "Config"
    assert plugin.description.startswith("RSI mean reversion")
    assert plugin.source.endswith("rsi_reversion.py:RsiReversion")
    assert not plugin.quiet
    strategy = plugin.build(plugin.config(period=5), BTCUSDT)
    assert strategy.describe() == "RSI(5) warming up on 15m bars"
    assert strategy.on_start(StrategyContext(BTCUSDT, Decimal(20_000), 0)) == []


def test_the_class_may_be_left_out_when_the_file_holds_one_strategy() -> None:
    cls = load_strategy_class(str(EXAMPLES / "bollinger_breakout.py"))
    assert cls.__name__ == "BollingerBreakout"


def test_a_file_is_loaded_once_unless_asked_fresh() -> None:
    spec = f"{EXAMPLES / 'rsi_reversion.py'}:RsiReversion"
    first, again = load_strategy_class(spec), load_strategy_class(spec)
    fresh = load_strategy_class(spec, fresh=True)
    assert first is again
    assert fresh is not first and fresh.__module__ != first.__module__
    assert load_plugin(spec, fresh=True).config.model_fields["period"].description


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("X = 1\n", "name the class as"),
        ("class Mine(Quiet):\n    kind = 'mine'\n", "Mine has no config model"),
        (
            "class Mine:\n    kind = 'mine'\n" + GOOD_CONFIG,
            "Mine is not a strategy: it has no prime, on_start, on_candle",
        ),
        ("class Mine(Quiet):\n" + GOOD_CONFIG, "needs a class attribute `kind`"),
        (
            "class Mine(Quiet):\n    kind = 'other'\n" + GOOD_CONFIG,
            "Mine.Config must declare `kind: Literal['other'] = 'other'`",
        ),
        (
            "class Mine(Quiet):\n    kind = 'mine'\n"
            + GOOD_CONFIG
            + "        period: int = Field(default=3)\n",
            "Mine.Config fields without a description: period",
        ),
        ("raise RuntimeError('boom')\n", "importing it failed: RuntimeError: boom"),
    ],
)
def test_what_is_wrong_with_a_strategy_file_is_one_line(
    tmp_path: Path, body: str, says: str
) -> None:
    with pytest.raises(PluginError) as raised:
        load_plugin(_write(tmp_path, body))
    message = str(raised.value)
    assert says in message and "\n" not in message


def test_a_missing_file_or_class_is_named(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no such strategy file"):
        load_plugin(str(tmp_path / "absent.py:Absent"))
    with pytest.raises(PluginError, match=r"no class Absent in it \(defined: RsiReversion\)"):
        load_plugin(f"{EXAMPLES / 'rsi_reversion.py'}:Absent")


def test_a_documented_class_in_a_file_loads_with_its_helpers_beside_it(tmp_path: Path) -> None:
    body = "class Mine(Quiet):\n    '''Mine.'''\n    kind = 'mine'\n" + GOOD_CONFIG
    plugin = load_plugin(_write(tmp_path, body) + ":Mine")
    assert plugin.kind == "mine" and plugin.description == "Mine."
    assert str(tmp_path) not in __import__("sys").path  # its folder was on the path meanwhile


def _points(monkeypatch: pytest.MonkeyPatch, *values: str) -> None:
    points = [
        EntryPoint(f"p{i}", value, loader_module.ENTRY_POINT_GROUP)
        for i, value in enumerate(values)
    ]

    def entry_points(*, group: str) -> list[EntryPoint]:
        assert group == "traderagent.strategies"
        return points

    monkeypatch.setattr(loader_module, "entry_points", entry_points)


def test_installed_packages_offer_strategies_by_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _points(monkeypatch, "plugin_samples:Offered")
    found = entry_point_plugins()
    assert list(found) == ["offered"]
    assert found["offered"].source == "entry point p0 (plugin_samples:Offered)"
    strategy = found["offered"].build(found["offered"].config(), BTCUSDT)
    assert strategy.describe() == "quiet"


def test_an_entry_point_that_fails_or_repeats_a_kind_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _points(monkeypatch, "plugin_samples:Offered", "plugin_samples:OfferedTwice")
    with pytest.raises(PluginError, match="kind 'offered' is offered by entry point p0"):
        entry_point_plugins()
    _points(monkeypatch, "no_such_package_here:Strategy")
    with pytest.raises(PluginError, match="entry point p0 .* loading it failed: ModuleNotFound"):
        entry_point_plugins()


def test_strategy_check_finds_an_installed_kind(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from traderagent.cli import main

    _points(monkeypatch, "plugin_samples:Offered")
    code = main(["strategy", "check", "offered", "--candles", "500"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fills        it cancelled no order on this data: no late fill to replay" in out
    assert main(["strategy", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("grid                 levels between bounds")
    assert "offered              entry point p0 (plugin_samples:Offered): A strategy" in listing


def test_an_example_adopts_an_inherited_position_with_a_stop() -> None:
    plugin = load_plugin(f"{EXAMPLES / 'bollinger_breakout.py'}:BollingerBreakout")
    strategy = plugin.build(plugin.config(), BTCUSDT)
    intents = strategy.on_start(
        StrategyContext(BTCUSDT, Decimal(20_000), 0, position_qty=Decimal("0.01"))
    )
    assert len(intents) == 1 and isinstance(intents[0], PlaceOrder)
    stop = intents[0]
    assert stop.type is OrderType.STOP_MARKET and stop.qty == Decimal("0.01")
    assert stop.price == Decimal(19_000)  # bands not warm yet: 5 % below the price


def test_registration_joins_installed_kinds_once_and_says_when_one_is_broken(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from strategies import registry
    from traderagent.plugins.registration import register_plugins

    registered: list[str] = []
    monkeypatch.setattr(registry, "register", lambda entry: registered.append(entry.kind))
    monkeypatch.setattr(registry, "kinds", lambda: ("grid", "dca", "trend", "custom"))
    _points(monkeypatch, "plugin_samples:Offered")
    assert register_plugins() is None
    assert registered == ["offered"]  # custom is registered already: not twice

    registered.clear()
    monkeypatch.setattr(registry, "kinds", lambda: ("grid", "dca", "trend"))
    _points(monkeypatch, "no_such_package_here:Strategy")
    with caplog.at_level("WARNING", logger="traderagent.plugins"):
        problem = register_plugins()
    assert problem is not None and "loading it failed: ModuleNotFound" in problem
    assert registered == ["custom"]  # the broken package is left out, custom still works
    assert "strategy plugins not loaded: entry point p0" in caplog.text
