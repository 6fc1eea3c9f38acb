"""The liquidation band of a perpetual position: the venue's liquidation price, the mark's
distance from it, and warning / danger within `risk.liquidation_warning_pct` / half of it.
Figures by hand: 0.5 BTC long at 20 000, 10x isolated, MMR 0.5 %: liq 18 100 (README)."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import Instrument
from traderagent.engine.liquidation_band import band, position_band
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange

D = Decimal
WARN = D(5)


def test_a_long_warns_within_the_band_and_is_in_danger_within_half() -> None:
    assert band(D("0.5"), D(20000), D(18100), WARN).level == ""  # 9.5 % away
    warning = band(D("0.5"), D(19000), D(18100), WARN)  # 900 / 19 000 = 4.74 %
    assert warning.level == "warning" and warning.price == D(18100)
    assert warning.distance_pct is not None and abs(warning.distance_pct - D("4.7368")) < D("1e-4")
    assert band(D("0.5"), D(18500), D(18100), WARN).level == "danger"  # 2.16 %, within 2.5
    assert band(D("0.5"), D(18000), D(18100), WARN).distance_pct == 0  # through it: 0, danger


def test_a_short_measures_the_distance_upwards() -> None:
    assert band(D("-0.5"), D(20000), D(21900), WARN).level == ""  # 9.5 %
    assert band(D("-0.5"), D(21000), D(21900), WARN).level == "warning"  # 4.29 %
    assert band(D("-0.5"), D(21500), D(21900), WARN).level == "danger"  # 1.86 %


def test_flat_or_no_price_gives_no_band() -> None:
    assert band(D(0), D(20000), D(18100), WARN).price is None
    assert band(D("0.5"), None, D(18100), WARN).level == ""
    assert band(D("0.5"), D(20000), None, WARN).price is None


def test_the_paper_linear_venue_quotes_its_positions_liquidation() -> None:
    btc = Instrument("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("5"))
    venue = PaperLinearExchange(
        {"BTCUSDT": btc}, {"USDT": D(10000)}, now_ms=lambda: 0, leverage={"BTCUSDT": D(10)}
    )
    assert venue.liquidation_price("BTCUSDT") is None  # flat
    assert position_band(venue, "BTCUSDT", D("0.5"), D(19000), WARN).price is None
    spot = object.__new__(PaperExchange)  # a spot venue quotes none, whatever the position
    assert position_band(spot, "BTCUSDT", D("0.5"), D(19000), WARN).price is None
