"""A backtest a user can audit: refusals are never silent (table, JSON, the headless run's
summary and stderr; the allocator's apart from the venue's), alike from the engine and the
fast kernel, and `--trades` / `--equity` write CSV files whose fills add up to the reported
fees and PnL."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from traderagent.backtest.rejections import STOP_UNCOVERED
from traderagent.backtest.runner import run_backtest_sync
from traderagent.cli import main
from traderagent.config import load_config
from traderagent.marketdata import load_bundled

SHORT_RANGE = ["--start", "2023-03-09", "--end", "2023-03-11"]
UNAFFORDABLE = 43
"""The limit buys of the seed's batch that no longer fit once its market buy spent the cash."""


def write_yaml(path: Path, raw: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def short_of_cash(tmp_path: Path) -> Path:
    """A grid asking for 61 x 300 USDT on an account of 3,000."""
    raw = yaml.safe_load(Path("configs/default.yaml").read_text(encoding="utf-8"))
    raw["paper"]["balances"] = {"USDT": "3000"}
    raw["bots"][0]["strategy"].update(
        {"lower": "19600", "upper": "22600", "levels": 61, "amount_per_level": "300"}
    )
    return write_yaml(tmp_path / "short.yaml", raw)


def test_trend_sized_to_the_whole_budget_is_never_refused_by_the_venue(tmp_path: Path) -> None:
    # the README's trend example without max_notional: entries sized to the free cash used to
    # be refused by the venue for want of room for the taker fee (89 on the bundled data)
    raw = yaml.safe_load(Path("configs/trend.yaml").read_text(encoding="utf-8"))
    del raw["bots"][0]["strategy"]["max_notional"]
    result = run_backtest_sync(load_config(write_yaml(tmp_path / "trend.yaml", raw)))
    # the only refusals left are the README's stops beside their take profit (each followed
    # by the bot's market sale): none is for want of funds
    refused = result.metrics.rejected_orders
    assert dict(refused.by_reason) == {STOP_UNCOVERED: refused.count}
    assert result.summary is not None and result.summary.orders_rejected == refused.count
    entries = [f for f in result.fills if f.tag.startswith("entry")]
    assert len(entries) > 20
    # each entry spent nearly the whole account: the sizing cap is what bound it
    assert max(f.price * f.qty + f.fee for f in entries) > Decimal(9000)


def test_the_allocators_refusals_show_in_the_table_and_the_json_of_the_engine_and_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed's market buy spends the cash; the limit buys of the same batch were each
    checked against the balances read before it, and the venue refused them (43) for funds.
    The allocator now counts what each buy of the batch locks: it refuses them itself, the
    venue refuses none, and the report says so apart (`not sent`, JSON `allocator_refused`)."""
    config = short_of_cash(tmp_path)
    seen = {}
    for path in ("engine", "fast"):
        out = tmp_path / f"{path}.json"
        fast = ["--fast"] if path == "fast" else []
        assert (
            main(["backtest", "--config", str(config), *SHORT_RANGE, "--json", str(out), *fast])
            == 0
        )
        printed = capsys.readouterr().out
        metrics = seen[path] = json.loads(out.read_text(encoding="utf-8"))
        assert metrics["rejected_orders"] == {"count": 0, "by_reason": {}, "orders": []}
        assert "  rejected       0\n" in printed
        refused = metrics["allocator_refused"]
        assert refused >= UNAFFORDABLE  # the batch's slots (they are tried again after a fill)
        assert f"  not sent       {refused} (refused by the capital allocator)" in printed
    assert seen["engine"]["allocator_refused"] == seen["fast"]["allocator_refused"]
    assert seen["engine"]["fills"] == seen["fast"]["fills"] > 0


def test_a_headless_run_prints_each_refusal_and_counts_them_in_its_summary(
    tmp_path: Path,
) -> None:
    raw = yaml.safe_load(short_of_cash(tmp_path).read_text(encoding="utf-8"))
    raw["replay"].update({"speed": "max", "start": "2023-03-09T00:00:00Z"})
    raw["replay"]["end"] = "2023-03-09T06:00:00Z"
    config = write_yaml(tmp_path / "headless.yaml", raw)
    result = subprocess.run(
        [sys.executable, "-m", "traderagent", "run", "--headless", "--no-api", "--config",
         str(config), "--db", str(tmp_path / "h.db")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert " rejected: " not in result.stderr  # the venue refused nothing
    warned = [ln for ln in result.stderr.splitlines() if " refused: no capital left" in ln]
    first_batch = [ln for ln in warned if ln.endswith(" (at 2023-03-09 00:01 UTC)")]
    assert len(first_batch) >= UNAFFORDABLE
    assert " WARNING " in warned[0] and " [grid-btc] order b0 refused: " in warned[0]
    assert "  rejected       0\n" in result.stdout
    assert f"  not sent       {len(warned)} (refused by the capital allocator:" in result.stdout
    bot_row = next(ln for ln in result.stdout.splitlines() if ln.startswith("  grid-btc "))
    assert bot_row.split()[3] == "0"  # bot, state, orders, rejected, ...


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


@pytest.mark.parametrize("fast", [False, True], ids=["engine", "fast"])
def test_the_trades_and_equity_csv_add_up_to_the_reported_figures(
    fast: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trades, equity, out = tmp_path / "trades.csv", tmp_path / "equity.csv", tmp_path / "m.json"
    args = ["backtest", *SHORT_RANGE, "--trades", str(trades), "--equity", str(equity)]
    assert main([*args, "--json", str(out), *(["--fast"] if fast else [])]) == 0
    capsys.readouterr()
    metrics = json.loads(out.read_text(encoding="utf-8"))
    rows = read_csv(trades)
    assert list(rows[0]) == [
        "time", "bot", "side", "price", "qty", "fee", "fee_coin", "fee_value", "liquidity",
        "order_id", "fill_id", "tag",
    ]  # fmt: skip
    assert len(rows) == metrics["fills"] > 10
    assert {r["liquidity"] for r in rows} == {"maker", "taker"}
    assert rows[0]["time"] == "2023-03-09T00:01:00.000Z" and rows[0]["side"] == "buy"  # the seed
    cash, base = Decimal(0), Decimal(0)  # what the fills moved, exactly
    for row in rows:
        price, qty, fee = Decimal(row["price"]), Decimal(row["qty"]), Decimal(row["fee"])
        sign = 1 if row["side"] == "buy" else -1
        cash -= sign * price * qty + (fee if row["fee_coin"] == "USDT" else 0)
        base += sign * qty - (fee if row["fee_coin"] == "BTC" else 0)
    for row in rows:  # a base-coin fee valued at its fill's price
        in_base = row["fee_coin"] == "BTC"
        price, fee = Decimal(row["price"]), Decimal(row["fee"])
        assert Decimal(row["fee_value"]) == (fee * price if in_base else fee)
    assert {r["fee_coin"] for r in rows} == {"BTC", "USDT"}  # spot: a buy pays in the base
    assert sum(Decimal(r["fee_value"]) for r in rows) == Decimal(metrics["fees"])
    window = load_bundled().between(
        int(datetime(2023, 3, 9, tzinfo=UTC).timestamp() * 1000),
        int(datetime(2023, 3, 11, tzinfo=UTC).timestamp() * 1000),
    )
    last_close = Decimal(repr(float(window.close[-1])))
    assert cash + base * last_close == Decimal(metrics["net_pnl"])

    curve = read_csv(equity)
    assert list(curve[0]) == ["time", "equity", "drawdown_pct"]
    assert len(curve) == metrics["candles"] == len(window)
    assert curve[0]["time"] == "2023-03-09T00:01:00.000Z"  # the first candle's close
    assert Decimal(curve[-1]["equity"]) == Decimal(metrics["final_equity"])
    deepest = max(float(p["drawdown_pct"]) for p in curve)
    assert deepest == pytest.approx(metrics["max_drawdown_pct"], abs=1e-9)


def test_an_unwritable_trades_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "trades.csv"
    assert main(["backtest", *SHORT_RANGE, "--trades", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: --trades: cannot write {target}: ") and "Traceback" not in err
