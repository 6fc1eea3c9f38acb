"""A neutral and a short grid, a short trend and a short DCA on perps, three ways, the same
fills (time, order, side, price, qty, fee) and funding: (a) `traderagent backtest`, (b) the
paper venue as `traderagent run --headless` drives it (every candle stepped, SQLite journal)
and (c) the emulator through the real Bybit client. The backtest's venue calls (each order as
the engine sent it, reduce-only flag included, and each cancel) are taped between its candles
and sent, candle for candle, to the emulator's linear category over the wire; what the
emulator fills must be what the paper venue filled. (The engine itself on the emulator, in
lockstep with its replay, is `test_perp_lockstep`; this replay checks the venue's rule alone.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from traderagent.backtest import runner
from traderagent.config import AppConfig, parse_config
from traderagent.domain import Candle, Fill, OrderRequest
from traderagent.domain.events import OrderFilled
from traderagent.exchanges.bybit import ApiCredentials, BybitConfig, BybitExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import build_engine

D = Decimal
RATE = "0.0001"
# the emulator's BTCUSDT perpetual (Bybit's: tick 0.10, lot 0.001), for the paper venue too
RULES = {"BTCUSDT": {"tick": "0.10", "lot": "0.001", "min_qty": "0.001", "min_notional": "5"}}
WINDOW = (datetime(2023, 3, 9, tzinfo=UTC), datetime(2023, 3, 12, tzinfo=UTC))
Row = tuple[int, str, str, Decimal, Decimal, Decimal, str]


def example(name: str, **strategy: object) -> AppConfig:
    raw = yaml.safe_load(Path(f"configs/{name}.yaml").read_text(encoding="utf-8"))
    raw["replay"] = {
        "data": "bundled",
        "speed": "max",
        "start": WINDOW[0].isoformat(),
        "end": WINDOW[1].isoformat(),
    }
    raw["storage"] = {"database_url": ""}
    linear = raw["paper"]["linear"]
    linear.pop("funding_file", None)
    linear["funding_rate"] = RATE
    raw["paper"]["instruments"] = RULES
    raw["bots"][0]["strategy"].update(strategy)
    return parse_config(yaml.safe_dump(raw), f"{name}.yaml", {})


CASES = {
    "grid-perp": lambda: example("grid-perp", lower="19500", upper="21500", levels=21),
    "grid-perp-short": lambda: example(
        "grid-perp", direction="short", lower="19500", upper="21500", levels=21
    ),
    "trend-perp-short": lambda: example("trend-perp", sides="short"),
    "dca-perp": lambda: example("dca-perp"),
}


class Tape:
    """The paper venue's calls in order: ('candle', Candle), ('place', OrderRequest),
    ('cancel', cid), ('cancel_all', symbol)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.venue: PaperLinearExchange | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        tape, cls = self, PaperLinearExchange
        place, cancel, cancel_all, walk = (
            cls.place_order_sync, cls.cancel_order, cls.cancel_all, cls.walk
        )  # fmt: skip

        def placing(self: PaperLinearExchange, request: OrderRequest, reduce_only: bool = False):  # type: ignore[no-untyped-def]
            tape.venue = self
            tape.calls.append(("place", (request, reduce_only)))
            return place(self, request, reduce_only)

        async def cancelling(self: PaperLinearExchange, symbol: str, cid: str):  # type: ignore[no-untyped-def]
            tape.calls.append(("cancel", cid))
            return await cancel(self, symbol, cid)

        async def cancelling_all(self: PaperLinearExchange, symbol: str):  # type: ignore[no-untyped-def]
            tape.calls.append(("cancel_all", symbol))
            return await cancel_all(self, symbol)

        def walking(self: PaperLinearExchange, candle: Candle) -> Iterator[None]:
            tape.calls.append(("candle", candle))
            yield from walk(self, candle)

        monkeypatch.setattr(cls, "place_order_sync", placing)
        monkeypatch.setattr(cls, "cancel_order", cancelling)
        monkeypatch.setattr(cls, "cancel_all", cancelling_all)
        monkeypatch.setattr(cls, "walk", walking)


def row(fill: Fill) -> Row:
    return (
        fill.ts, fill.client_order_id, fill.side.value, fill.price, fill.qty, fill.fee,
        fill.fee_asset,
    )  # fmt: skip


async def on_the_emulator(calls: list[tuple[str, Any]]) -> tuple[list[Row], list[Decimal]]:
    """The taped calls through BybitExchange against the emulator, candle for candle."""
    candles = [c for kind, c in calls if kind == "candle"]
    data = load_bundled()
    first = int(data.ts.searchsorted(candles[0].ts))
    series = data.between(int(data.ts[first]), candles[-1].ts + 60_000)
    async with running_emulator(
        series, balances={"USDT": D(10000)}, spread_bps=0.0, funding_rate=RATE, warmup=1
    ) as emu:
        config = BybitConfig(env="custom", url=emu.rest_url, category="linear", credentials="t")
        exchange = BybitExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        await exchange.connect()
        try:
            await exchange.set_leverage("BTCUSDT", D(3))
            seen = 0
            for kind, value in calls:
                if kind == "candle":
                    if seen:  # the first candle is the emulator's warm-up step
                        assert await emu.step(1) == 1
                    assert emu.now_ms() == value.close_time
                    seen += 1
                elif kind == "place":
                    request, reduce_only = value
                    if reduce_only and not request.reduce_only:
                        request = replace(request, reduce_only=True)
                    placed = await exchange.place_order(request)
                    assert placed.status.value != "Rejected", (request, placed)
                elif kind == "cancel":
                    await exchange.cancel_order("BTCUSDT", value)
                else:
                    await exchange.cancel_all(value)
            await exchange.catch_up()
            fills = await exchange.fills_since("BTCUSDT", candles[0].ts)
            funding = [f.amount for f in exchange.account.funding]
        finally:
            await exchange.close()
    return [row(f) for f in fills], funding


@pytest.mark.parametrize("case", sorted(CASES))
async def test_backtest_paper_run_and_emulator_fill_alike(
    case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = CASES[case]()
    tape = Tape()
    tape.install(monkeypatch)
    backtest = await runner.run_backtest(config)
    venue = tape.venue
    assert venue is not None
    paper_funding = [c.fee for c in venue.funding_charges]
    calls, tape.calls = tape.calls, []  # the run below tapes into a list of its own

    built = await build_engine(config, tmp_path / "run.db")  # (b): as `run --headless`
    replayed: list[Fill] = []
    built.engine.bus.subscribe(OrderFilled, lambda e: replayed.append(e.fill))
    summary = await built.engine.run()
    await built.engine.close()
    assert summary.reason == "end of replay data"

    emulated, funding = await on_the_emulator(calls)

    fills = [row(f) for f in backtest.fills]
    assert len(fills) >= 6 and {r[2] for r in fills} == {"Buy", "Sell"}
    assert [row(f) for f in replayed] == fills
    # Bybit lists one candle's executions by id, not in the order they happened
    assert sorted(emulated) == sorted(fills)
    assert funding == paper_funding and funding
