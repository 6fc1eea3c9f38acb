"""Each example strategy config runs as a bot through the real engine and trades."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from traderagent.cli import main
from traderagent.config import parse_config
from traderagent.domain import Side
from traderagent.domain.events import OrderFilled
from traderagent.wiring.runtime import build_engine

CONFIGS = Path(__file__).parents[2] / "configs"
EXAMPLES = ["grid-geometric", "dca", "trend", "trend-smc"]


def sliced(name: str, days: int) -> str:
    """The example config, replayed at full speed over its first `days` days."""
    raw = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["replay"].update(data="bundled", speed="max", end=f"2023-03-{1 + days:02d}T00:00:00Z")
    return yaml.safe_dump(raw)


@pytest.mark.parametrize("name", EXAMPLES)
async def test_example_config_trades_and_the_books_balance(name: str, tmp_path: Path) -> None:
    config = parse_config(sliced(name, 4), f"{name}.yaml", {})
    built = await build_engine(config, tmp_path / f"{name}.db")
    engine = built.engine
    fills = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    summary = await engine.run()
    balances = await engine.exchange.balances()
    description = next(iter(engine.bots.values())).strategy.describe()
    await engine.close()

    assert summary.candles == 4 * 1440
    assert summary.orders_placed > 0
    assert summary.fills == len(fills) > 0
    assert {f.side for f in fills} == {Side.BUY, Side.SELL}  # entries and exits both happened
    spent = sum((f.price * f.qty for f in fills if f.side is Side.BUY), Decimal(0))
    received = sum((f.price * f.qty for f in fills if f.side is Side.SELL), Decimal(0))
    # Bybit spot: a buy pays its fee in BTC (it credits qty - fee), a sell in USDT
    assert all(f.fee_asset == ("BTC" if f.side is Side.BUY else "USDT") for f in fills)
    fees = sum((f.fee for f in fills if f.fee_asset == "USDT"), Decimal(0))
    assert summary.fees == sum((f.fee_value for f in fills), Decimal(0))
    assert balances["USDT"].total == Decimal(10000) - spent + received - fees
    bought = sum((f.base_qty for f in fills if f.side is Side.BUY), Decimal(0))
    sold = sum((f.qty for f in fills if f.side is Side.SELL), Decimal(0))
    assert balances["BTC"].total == bought - sold == summary.bots[0].position_qty
    assert description.startswith(config.bots[0].strategy.kind)
    if config.bots[0].smc is not None:
        assert "smc 15m" in description and "last entry" in description


@pytest.mark.parametrize("name", EXAMPLES)
def test_config_check_accepts_each_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(CONFIGS / f"{name}.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


async def test_multi_bot_example_shares_one_account_and_the_books_balance(tmp_path: Path) -> None:
    config = parse_config(sliced("multi-bot", 4), "multi-bot.yaml", {})
    built = await build_engine(config, tmp_path / "multi.db")
    engine = built.engine
    fills = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    summary = await engine.run()
    balances = await engine.exchange.balances()
    await engine.close()

    assert {b.name for b in summary.bots} == {"grid-btc", "dca-btc", "trend-btc"}
    assert all(b.orders_placed > 0 for b in summary.bots)  # each bot trades its own share
    assert {f.bot for f in fills} == {"grid-btc", "dca-btc", "trend-btc"}
    spent = sum((f.price * f.qty for f in fills if f.side is Side.BUY), Decimal(0))
    received = sum((f.price * f.qty for f in fills if f.side is Side.SELL), Decimal(0))
    fees = sum((f.fee for f in fills if f.fee_asset == "USDT"), Decimal(0))  # buys pay in BTC
    assert balances["USDT"].total == Decimal(10000) - spent + received - fees
    held = sum((b.position_qty for b in summary.bots), Decimal(0))
    assert balances["BTC"].total == held  # one account: the bots' positions add up to it


def test_config_check_accepts_the_multi_bot_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(CONFIGS / "multi-bot.yaml")]) == 0
    assert "bots: grid-btc (grid BTCUSDT), dca-btc" in capsys.readouterr().out
