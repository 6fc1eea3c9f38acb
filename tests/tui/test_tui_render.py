"""The pure render helpers: snapshots and events in, text and rows out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from fake_engine import CLOCK_MS, FILL, MINUTE, FakeEngine, default_orders

from traderagent.clock import format_ts
from traderagent.domain import BotState, OrderType, Regime, Side
from traderagent.domain.events import (
    BotStateChanged,
    EquityUpdated,
    HaltTriggered,
    IntentRejected,
    LogRecord,
    OrderFilled,
)
from traderagent.facade import EngineSnapshot
from tui.event_lines import day_line, event_line, level_of, note_line
from tui.render import (
    BOT_COLUMNS,
    ORDER_COLUMNS,
    banner_text,
    bot_row,
    emergency_bots,
    fee_text,
    fill_fee_text,
    header_text,
    order_rows,
    price_text,
    signed_money,
    state_label,
)


def snapshot(**changes: Any) -> EngineSnapshot:
    """FakeEngine's snapshot with some fields changed."""
    return replace(FakeEngine().snapshot(), **changes)


# -- header -------------------------------------------------------------------------------


def test_header_fits_on_one_line_when_wide() -> None:
    text = header_text(snapshot(), "TraderAgent", 160)
    assert "\n" not in text.plain
    assert text.cell_len == 160
    for part in ("TraderAgent", "PAPER", "paper", "2023-03-01 06:00 UTC", "equity 10,012.35"):
        assert part in text.plain
    assert "PnL +12.35 (+0.12%)" in text.plain
    assert "day +12.35" in text.plain
    assert "DD 1.2%/15%" in text.plain
    assert "replay 42%" in text.plain


def test_header_splits_in_two_lines_at_80_columns_without_truncating() -> None:
    text = header_text(snapshot(), "TraderAgent", 78)
    what, where = text.plain.split("\n")
    assert what == "TraderAgent │ PAPER │ paper ○ not started │ 2023-03-01 06:00 UTC"
    assert where == (
        "equity 10,012.35 │ PnL +12.35 (+0.12%) │ day +12.35 │ DD 1.2%/15% │ replay 42%"
    )
    assert len(where) <= 78


def test_header_shows_the_connection_and_a_drawdown_near_its_limit() -> None:
    text = header_text(snapshot(running=True, drawdown_pct=Decimal("13")), "T", 160)
    assert "paper ● connected" in text.plain
    assert "! DD 13.0%/15%" in text.plain
    crossed = header_text(snapshot(drawdown_pct=Decimal("15.5")), "T", 160).plain
    assert "⚠ DD 15.5%/15%" in crossed
    struggling = header_text(snapshot(venue_status="rate limited: 3s"), "T", 160).plain
    assert "paper ⚠ rate limited: 3s" in struggling


def test_header_wraps_between_parts_never_inside_one() -> None:
    title = "TraderAgent · bundled BTCUSDT-1m-2023-03-01_21-binanceus.csv.gz"
    text = header_text(snapshot(equity=Decimal("1234567.89")), title, 78)
    lines = text.plain.split("\n")
    assert lines == [
        f"{title} │ PAPER",
        "paper ○ not started │ 2023-03-01 06:00 UTC",
        "equity 1,234,567.89 │ PnL +1,224,567.89 (+12245.68%) │ day +12.35",
        "DD 1.2%/15% │ replay 42%",
    ]
    assert all(len(line) <= 78 for line in lines)


def test_header_loss_has_a_minus_sign_and_red() -> None:
    text = header_text(snapshot(equity=Decimal("9876.50")), "T", 160)
    assert "PnL -123.50 (-1.24%)" in text.plain
    assert any("red" in str(span.style) for span in text.spans)


def test_header_shows_finished_instead_of_progress() -> None:
    text = header_text(snapshot(finished=True, replay_progress=1.0), "T", 160).plain
    assert "finished" in text
    assert "replay" not in text


def test_header_without_progress_omits_it() -> None:
    text = header_text(snapshot(replay_progress=None), "T", 160).plain
    assert "%" in text  # the PnL percentage stays
    assert "replay" not in text and "finished" not in text


# -- numbers and labels -------------------------------------------------------------------


def test_signed_money_reads_without_colour() -> None:
    assert signed_money(Decimal("1234.5")).plain == "+1,234.50"
    assert signed_money(Decimal("-3.2")).plain == "-3.20"
    assert signed_money(Decimal("-0.001")).plain == "0.00"  # no "-0.00"
    assert str(signed_money(Decimal("1")).style) == "green"
    assert str(signed_money(Decimal("-1")).style) == "red"


def test_price_fee_formats() -> None:
    assert price_text(Decimal("22150.00")) == "22,150.00"
    assert price_text(None) == "market"
    assert fee_text(Decimal("0.019")) == "0.019"
    assert fee_text(Decimal("0.01904567")) == "0.019046"
    assert fee_text(Decimal("100")) == "100"
    # a spot buy's fee is in the base coin: shown whole, with its coin
    base_fee = replace(FILL, side=Side.BUY, fee=Decimal("0.000004761"), fee_asset="BTC")
    assert fill_fee_text(base_fee) == "0.000004761 BTC"
    assert fill_fee_text(replace(FILL, fee=Decimal("0.0190"), fee_asset="USDT")) == "0.019"


def test_every_state_has_a_symbol() -> None:
    labels = {state: state_label(state).plain for state in BotState}
    assert labels[BotState.RUNNING] == "▶ RUNNING"
    assert labels[BotState.PAUSED] == "⏸ PAUSED"
    assert labels[BotState.STOPPED] == "■ STOPPED"
    assert labels[BotState.EMERGENCY] == "⚠ EMERGENCY"
    symbols = [label.split()[0] for label in labels.values()]
    assert len(set(symbols)) == len(BotState)


# -- tables -------------------------------------------------------------------------------


def test_bot_row_cells_match_columns() -> None:
    bot = FakeEngine().snapshot().bots[0]
    key, cells = bot_row(bot, {"BTCUSDT": Regime.BULL_TREND})
    assert key == "grid-btc"
    assert len(cells) == len(BOT_COLUMNS)
    assert [c.plain for c in cells] == [
        "grid-btc",
        "BTCUSDT",
        "grid",
        "▲ BULL",
        "▶ RUNNING",
        "0.012900",
        "-3.20",
        "+12.35",
    ]
    assert bot_row(bot, {"BTCUSDT": None})[1][3].plain == "…"  # warming up
    assert bot_row(bot, {})[1][3].plain == "—"  # no classifier on its symbol
    assert cells[5].justify == "right"


def test_orders_sorted_by_price_descending_market_last() -> None:
    market = replace(default_orders()[0], client_order_id="m-1", price=None, type=OrderType.MARKET)
    rows = order_rows([*default_orders(), market])
    prices = [cells[2].plain for _, cells in rows]
    assert prices == ["22,300.00", "22,000.00", "21,900.00", "1,550.00", "market"]
    key, cells = rows[0]
    assert key == "grid-btc-3"
    assert len(cells) == len(ORDER_COLUMNS)
    assert [c.plain for c in cells] == [
        "grid-btc",
        "SELL",
        "22,300.00",
        "0.004300",
        "New",
        "sell-1",
    ]


def test_banner_lists_bots_in_emergency() -> None:
    engine = FakeEngine()
    assert emergency_bots(engine.snapshot()) == ()
    assert banner_text(()) == ""
    engine.bots["dca-eth"] = replace(engine.bots["dca-eth"], state=BotState.EMERGENCY)
    bots = emergency_bots(engine.snapshot())
    assert bots == ("dca-eth",)
    assert banner_text(bots) == "⚠ EMERGENCY HALT: dca-eth — press a to acknowledge"


# -- log lines ----------------------------------------------------------------------------


def test_fill_line() -> None:
    line = event_line(OrderFilled(FILL.ts, FILL))
    assert line is not None
    assert line.plain == "05:59 BUY 0.004300 BTCUSDT @ 22,150.00 fee 0.019 grid-btc"


def test_sell_fill_line() -> None:
    fill = replace(FILL, side=Side.SELL, ts=CLOCK_MS + 34 * MINUTE)
    line = event_line(OrderFilled(fill.ts, fill))
    assert line is not None
    assert line.plain.startswith("06:34 SELL 0.004300 BTCUSDT @ 22,150.00")


def test_log_state_halt_and_rejection_lines() -> None:
    lines = [
        event_line(LogRecord(CLOCK_MS, "warning", "spread wide", bot="grid-btc")),
        event_line(
            BotStateChanged(CLOCK_MS, "grid-btc", BotState.RUNNING, BotState.PAUSED, "operator")
        ),
        event_line(HaltTriggered(CLOCK_MS, "grid-btc", "max drawdown", 3)),
        event_line(IntentRejected(CLOCK_MS, "dca-eth", "so-2", "max position")),
    ]
    assert [line.plain if line else None for line in lines] == [
        "06:00 WARN spread wide [grid-btc]",
        "06:00 grid-btc ▶ RUNNING → ⏸ PAUSED (operator)",
        "06:00 ⚠ HALT grid-btc: max drawdown (3 orders cancelled)",
        "06:00 ✗ rejected dca-eth so-2: max position",
    ]


def test_events_the_log_does_not_show() -> None:
    assert event_line(EquityUpdated(CLOCK_MS, Decimal(1), Decimal(0))) is None


def test_levels_day_and_note_lines() -> None:
    assert level_of("error") == ("ERR!", "bold red")
    assert level_of("trace")[0] == "TRAC"
    assert day_line(CLOCK_MS).plain == "── 2023-03-01 ──"
    assert note_line(CLOCK_MS, "replay finished").plain == "06:00 replay finished"


def test_banner_says_why_each_bot_was_halted() -> None:
    same = {
        "a": "daily loss 512.30 USDT exceeds the limit 500 USDT",
        "b": "daily loss 512.30 USDT exceeds the limit 500 USDT",
    }
    assert banner_text(("a", "b"), same) == (
        "⚠ EMERGENCY HALT: a, b — daily loss 512.30 USDT exceeds the limit 500 USDT"
        " — press a to acknowledge"
    )
    different = {"a": "stop loss", "b": "operator"}
    assert "a: stop loss; b: operator" in banner_text(("a", "b"), different)
    assert banner_text(("a",), {}) == "⚠ EMERGENCY HALT: a — press a to acknowledge"
    assert banner_text((), different) == ""


def test_the_bot_pane_shows_funding_apart_only_when_there_is_some() -> None:
    from tui.render_bot import bot_detail

    snap = snapshot()
    bot = snap.bots[0]
    assert "funding" not in bot_detail(bot, snap).plain
    funded = replace(bot, funding=Decimal("-1.23"))
    assert f"Fees {bot.fees:.4f}  funding -1.2300" in bot_detail(funded, snap).plain


def test_the_fills_table_shows_each_fills_date() -> None:
    from fake_engine import FILL

    from tui.render_book import fill_rows

    _key, cells = fill_rows([FILL])[0]
    assert cells[0].plain == format_ts(FILL.ts)
    assert cells[0].plain.startswith("20")  # `2023-03-01 12:34`: a date, not only a time


def test_the_risk_pane_shows_balances_free_and_locked_and_each_bots_budget() -> None:
    from tui.render_risk import risk_text, risk_views

    snap = snapshot()
    plain = risk_text(risk_views(snap), 70, snap.balances).plain
    lines = plain.splitlines()
    usdt = next(line for line in lines if line.strip().startswith("USDT"))
    assert "7,631.80 free" in usdt and "1,386.45 locked" in usdt
    assert any(line.strip().startswith("BTC") and "0.012900 free" in line for line in lines)
    grid = lines.index("grid-btc")
    budget = next(line for line in lines[grid:] if "budget" in line)
    assert "1,386.45/5,006.17 USDT" in budget
    assert "dca-eth" in lines and "2,402.40/5,006.17 USDT" in plain


def test_the_header_says_the_equity_is_not_known_before_the_first_price() -> None:
    text = header_text(snapshot(equity=Decimal(0), equity_valued=False), "T", 160).plain
    assert "waiting for prices" in text
    assert "PnL" not in text.replace("equity, PnL: waiting", "") and "DD" not in text
