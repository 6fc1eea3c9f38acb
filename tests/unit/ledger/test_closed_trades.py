"""Closed trades from fills: grid lots FIFO, DCA entries to exit, fees exact in quote."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from traderagent.domain import Fill, Liquidity, Side
from traderagent.ledger import closed_trades, performance, profit
from traderagent.ledger.text import trade_lines

DAY = 86_400_000
T0 = 1_709_251_200_000  # 2024-03-01 00:00 UTC, a Friday


def fill(
    n: int,
    side: Side,
    price: str,
    qty: str,
    fee: str = "0",
    *,
    bot: str = "g",
    order: str | None = None,
    tag: str = "",
    ts: int | None = None,
    fee_asset: str = "USDT",
) -> Fill:
    return Fill(
        fill_id=f"f{n}",
        client_order_id=order or f"{bot}-{n}",
        symbol="BTCUSDT",
        side=side,
        price=D(price),
        qty=D(qty),
        fee=D(fee),
        fee_asset=fee_asset,
        liquidity=Liquidity.MAKER,
        ts=T0 + n * 60_000 if ts is None else ts,
        bot=bot,
        tag=tag,
    )


B, S = Side.BUY, Side.SELL


def test_grid_matches_each_buy_lot_with_its_sell_first_in_first_out() -> None:
    fills = [
        fill(1, B, "100", "1", "0.1", tag="b1"),
        fill(2, B, "90", "1", "0.09", tag="b2"),
        fill(3, S, "110", "1", "0.11", tag="s1"),
        fill(4, S, "100", "1", "0.1", tag="s2"),
    ]
    ledger = closed_trades(fills, {"g": "grid"})
    first, second = ledger.trades
    assert (first.entry, first.exit, first.qty) == (D(100), D(110), D(1))
    assert first.fees == D("0.21")
    assert first.pnl == D("9.79")
    assert first.duration_ms == 2 * 60_000
    assert first.reason == "s1"
    assert (second.entry, second.exit, second.pnl) == (D(90), D(100), D("9.81"))
    assert ledger.pnl == D("19.60") and ledger.open_qty == ()


def test_a_grid_sell_closes_its_own_slots_buy_then_the_seed_not_the_oldest_lot() -> None:
    """The bundled run showed a sell at 22,500 (slot 14) entered at 22,300: first in, first
    out took another slot's older lot. Slot K sells at level K+1 what it bought at level K."""
    fills = [
        fill(1, B, "100", "2", tag="seed"),  # the base the slots above the price will sell
        fill(2, B, "90", "1", tag="b3"),
        fill(3, B, "80", "1", tag="b2"),
        fill(4, S, "90", "1", tag="s2"),  # slot 2: bought at 80, sells at 90
        fill(5, S, "110", "1", tag="s5"),  # slot 5 held from the start: the seed's base
        fill(6, S, "100", "1", tag="s3"),  # slot 3: bought at 90
    ]
    trades = closed_trades(fills, {"g": "grid"}).trades
    assert [(t.reason, t.entry, t.exit, t.pnl) for t in trades] == [
        ("s2", D(80), D(90), D(10)),
        ("s5", D(100), D(110), D(10)),
        ("s3", D(90), D(100), D(10)),
    ]
    left = closed_trades(fills, {"g": "grid"}).open_qty
    assert left == (("g", D(1)),)  # one seed lot still held, nothing lost


def test_a_grid_sell_spanning_two_lots_makes_two_trades_whose_fees_add_up() -> None:
    fills = [
        fill(1, B, "100", "1", tag="b1"),
        fill(2, B, "90", "1", tag="b2"),
        fill(3, S, "120", "1.5", "0.3", tag="s1"),
    ]
    trades = closed_trades(fills, {"g": "grid"}).trades
    assert [t.qty for t in trades] == [D(1), D("0.5")]
    assert sum(t.fees for t in trades) == D("0.3")
    assert sum(t.pnl for t in trades) == D(20) + D(15) - D("0.3")
    assert closed_trades(fills, {"g": "grid"}).open_qty == (("g", D("0.5")),)


def test_dca_entries_to_one_exit_make_one_trade_at_the_average_entry() -> None:
    fills = [
        fill(1, B, "100", "1", "0.1", bot="d", tag="base"),
        fill(2, B, "80", "1", "0.08", bot="d", tag="so1"),
        fill(3, S, "95", "1.2", "0.114", bot="d", tag="take-profit", order="d-9"),
        fill(4, S, "95", "0.8", "0.076", bot="d", tag="take-profit", order="d-9", ts=T0 + DAY),
    ]
    (trade,) = closed_trades(fills, {"d": "dca"}).trades
    assert trade.entries == 2 and trade.qty == D(2)
    assert trade.entry == D(90) and trade.exit == D(95)
    assert trade.fees == D("0.37")
    assert trade.pnl == D(10) - D("0.37")
    assert trade.opened_ms == T0 + 60_000 and trade.closed_ms == T0 + DAY
    assert trade.reason == "take-profit"


def test_a_base_coin_buy_fee_counts_once() -> None:
    fills = [
        fill(1, B, "100", "1", "0.001", fee_asset="BTC", tag="b1"),
        fill(2, S, "110", "0.999", "0", tag="s1"),
    ]
    (trade,) = closed_trades(fills, {"g": "grid"}).trades
    # paid 100 for 0.999 BTC, sold it for 109.89
    assert trade.pnl == D("109.89") - D(100)
    assert trade.fees == D("0.1")


def test_a_sell_with_no_recorded_buy_is_counted_not_dropped() -> None:
    ledger = closed_trades([fill(1, S, "100", "2")], {"g": "grid"})
    assert ledger.trades == ()
    assert ledger.unmatched_qty == (("g", D(2)),)


def test_profit_by_day_week_and_month_and_per_bot() -> None:
    fills = [
        fill(1, B, "100", "1", tag="b1"),
        fill(2, S, "110", "1", tag="s1"),  # Fri 1 Mar: +10
        fill(3, B, "100", "1", tag="b1", ts=T0 + 3 * DAY),
        fill(4, S, "95", "1", tag="s1", ts=T0 + 3 * DAY + 1),  # Mon 4 Mar: -5
        fill(5, B, "100", "1", bot="d", ts=T0 + 31 * DAY),
        fill(6, S, "103", "1", bot="d", ts=T0 + 31 * DAY + 1),  # 1 Apr: +3
    ]
    trades = closed_trades(fills, {"g": "grid"}).trades
    days = profit(trades, "day")
    assert [(p.period, p.pnl) for p in days] == [
        ("2024-03-01", D(10)),
        ("2024-03-04", D(-5)),
        ("2024-04-01", D(3)),
    ]
    weeks = profit(trades, "week")
    assert [(p.period, p.trades, p.wins) for p in weeks] == [
        ("2024-W09", 1, 1),
        ("2024-W10", 1, 0),
        ("2024-W14", 1, 1),
    ]
    months = profit(trades, "month")
    assert [(p.period, p.pnl) for p in months] == [("2024-03", D(5)), ("2024-04", D(3))]
    best, worst = performance(trades)
    assert (best.bot, best.trades, best.pnl, best.win_rate) == ("g", 2, D(5), D(50))
    assert (worst.bot, worst.pnl) == ("d", D(3)) or (best.pnl, worst.pnl) == (D(5), D(3))
    with pytest.raises(ValueError, match="unknown period"):
        profit(trades, "year")


def test_the_trades_table_writes_a_dust_quantity_in_plain_digits() -> None:
    fills = [
        fill(1, B, "22300", "0.000000263", tag="b13"),
        fill(2, S, "22400", "0.000000263", tag="s13"),
    ]
    table = "\n".join(trade_lines(closed_trades(fills, {"g": "grid"})))
    assert "0.000000263" in table and "E-" not in table


def test_a_perpetual_short_is_a_trade_sold_first_and_bought_back() -> None:
    """Hand-checked: short 1 at 100 (fee 0.055), bought back at 90 (fee 0.0495): PnL
    10 - 0.1045; the same fills on spot are a sell with no buy to match, then a held lot."""
    fills = [
        fill(1, S, "100", "1", "0.055", bot="t", tag="short-entry"),
        fill(2, B, "90", "1", "0.0495", bot="t", tag="stop"),
    ]
    (trade,) = closed_trades(fills, {"t": "trend"}, signed={"t"}).trades
    assert (trade.side, trade.entry, trade.exit, trade.qty) == ("short", D(100), D(90), D(1))
    assert trade.fees == D("0.1045") and trade.pnl == D("9.8955")
    assert trade.reason == "stop" and trade.duration_ms == 60_000
    assert trade.pnl_pct == D("9.8955")

    spot = closed_trades(fills, {"t": "trend"})
    assert spot.trades == () and spot.unmatched_qty == (("t", D(1)),)
    assert spot.open_qty == (("t", D(1)),)


def test_a_partly_covered_short_leaves_a_negative_open_quantity() -> None:
    fills = [
        fill(1, S, "100", "2", "0.2", bot="t", tag="short-entry"),
        fill(2, B, "95", "1", "0.095", bot="t", tag="take-profit"),
    ]
    ledger = closed_trades(fills, {"t": "trend"}, signed={"t"})
    (trade,) = ledger.trades
    assert trade.qty == D(1) and trade.fees == D("0.195")  # half the entry fee, all the exit's
    assert trade.pnl == D(5) - D("0.195")
    assert ledger.open_qty == (("t", D(-1)),)
    assert any("1 short still open" in line for line in trade_lines(ledger))


def test_a_short_grid_buy_closes_its_own_slots_sell_first() -> None:
    fills = [
        fill(1, S, "110", "1", tag="s1"),
        fill(2, S, "120", "1", tag="s2"),
        fill(3, B, "110", "1", tag="b2"),  # s2's buy-back, one level below it
    ]
    ledger = closed_trades(fills, {"g": "grid"}, signed={"g"})
    (trade,) = ledger.trades
    assert (trade.side, trade.entry, trade.exit, trade.pnl) == ("short", D(120), D(110), D(10))
    assert ledger.open_qty == (("g", D(-1)),)


def test_a_fill_through_zero_closes_the_long_and_opens_a_short_with_its_fee_split() -> None:
    fills = [
        fill(1, B, "100", "1", "0.1", bot="t", tag="entry"),
        fill(2, S, "110", "3", "0.33", bot="t", tag="flip"),
        fill(3, B, "100", "2", "0.2", bot="t", tag="cover"),
    ]
    long, short = closed_trades(fills, {"t": "trend"}, signed={"t"}).trades
    assert (long.side, long.qty, long.fees, long.pnl) == ("long", D(1), D("0.21"), D("9.79"))
    assert (short.side, short.qty, short.entry, short.exit) == ("short", D(2), D(110), D(100))
    assert short.fees == D("0.42")  # two thirds of the flip's fee and all the cover's
    assert long.fees + short.fees == D("0.1") + D("0.33") + D("0.2")
    assert short.pnl == D(20) - D("0.42")
