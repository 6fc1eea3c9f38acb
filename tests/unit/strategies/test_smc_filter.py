from decimal import Decimal

from strategy_samples import candle, ctx, places

from strategies.smc import Filtered, MarketStructure, SmcConfig, SmcFilter, Zone, ZoneBook
from traderagent.domain import Candle, OrderType, PlaceOrder, Purpose, Side

D = Decimal

# open, high, low, close of 1m bars: a swing high at 110 (bar 1), a down bar (bar 3) that is
# the order block, then an impulse that closes above 110 (bar 4): a bullish break of structure
UP_BREAK = [
    (100, 105, 99, 104),
    (104, 110, 103, 108),
    (108, 109, 102, 103),
    (103, 104, 100, 101),
    (101, 116, 101, 115),
]


def bars(rows: list[tuple[float, float, float, float]], start: int = 0) -> list[Candle]:
    return [candle(start + i, *row) for i, row in enumerate(rows)]


def test_a_close_above_the_last_swing_high_is_a_bullish_break_with_its_order_block() -> None:
    structure = MarketStructure(left=1, right=1)
    breaks = [structure.update(bar) for bar in bars(UP_BREAK)]
    assert breaks[:4] == [None, None, None, None]
    last = breaks[4]
    assert last is not None and (last.kind, last.direction, last.level) == ("BOS", "bullish", 110)
    block = structure.order_block("bullish")
    assert block is not None and (block.open, block.close) == (103, 101)  # the last down bar


def test_breaking_the_other_way_is_a_change_of_character() -> None:
    structure = MarketStructure(left=1, right=1)
    for bar in bars(UP_BREAK):
        structure.update(bar)
    # a swing low at 108 (bar 6), then a close below it
    found = [
        structure.update(bar)
        for bar in bars(
            [
                (115, 118, 112, 117),
                (117, 117, 108, 110),
                (110, 113, 109, 112),
                (112, 112, 104, 105),
            ],
            5,
        )
    ]
    last = found[-1]
    assert last is not None and (last.kind, last.direction) == ("CHoCH", "bearish")
    assert structure.bias == "bearish"


def test_a_fair_value_gap_is_a_zone_and_overlapping_sources_make_confluence() -> None:
    book = ZoneBook(half_life=10, max_touches=2, max_zones=5)
    three = bars([(100, 101, 99, 100.5), (100.5, 106, 100.5, 105.5), (105.5, 108, 103, 107)])
    gap = book.fair_value_gap(three, min_gap_pct=0.05)
    assert gap is not None and (gap.side, gap.bottom, gap.top) == ("demand", 101, 103)
    assert gap.confidence(book.bar, 10) == 0.6
    merged = book.add(Zone("demand", 102, 104, 0, {"order block"}))
    assert merged is gap and (merged.bottom, merged.top) == (102, 103)
    assert merged.confidence(0, 10) == 1.0 and merged.confidence(10, 10) == 0.5


def test_a_zone_is_used_up_after_two_touches_and_gone_when_closed_through() -> None:
    book = ZoneBook(half_life=10, max_touches=2, max_zones=5)
    book.add(Zone("demand", 100, 102, 0, {"order block"}))
    for low in (101, 105, 101.5, 106):  # two visits from outside
        book.touch(low, low + 3)
    assert book.zones[0].touches == 2
    book.touch(101, 104)
    assert book.zones == []
    book.add(Zone("demand", 100, 102, 0, {"order block"}))
    book.close_bar(candle(0, 101, 101, 98, 99))
    assert book.zones == []


def smc() -> SmcFilter:
    return SmcFilter(SmcConfig(interval="1m", swing_left=1, swing_right=1, max_distance_pct=D("1")))


def buy(price: str | None, purpose: Purpose = Purpose.ENTRY, tag: str = "b1") -> PlaceOrder:
    kind = OrderType.LIMIT if price else OrderType.MARKET
    return PlaceOrder(tag, Side.BUY, D("0.01"), D(price) if price else None, kind, purpose)


def test_entries_need_a_demand_zone_near_their_price_and_the_reason_is_explained() -> None:
    f = smc()
    assert f.check(buy("100"), ctx("100")) == "no demand zone within 1% of 100.00"
    for bar in bars(UP_BREAK):
        f.update(bar)
    # the break at 00:04 left one zone: the order block 100-104 (bar 3)
    assert f.allows(buy("104.5"), ctx("115"))  # within 1 % above the zone
    assert f.check(buy(None), ctx("115")) == "no demand zone within 1% of 115.00"
    assert "bullish BOS 03-01 00:04" in f.describe()
    assert "last entry b1 blocked: no demand zone within 1% of 115.00" in f.describe()
    assert f.allows(buy(None, Purpose.STOP), ctx("115"))  # never filters a non-entry


def test_the_wrapper_parks_blocked_limit_entries_and_drops_market_ones() -> None:
    class Fixed:
        kind = "fixed"

        def __init__(self) -> None:
            self.intents = [buy("104"), buy(None, tag="m"), buy("90", Purpose.TAKE_PROFIT, "tp")]

        def on_start(self, ctx: object) -> list[PlaceOrder]:
            return list(self.intents)

        def on_candle(self, candle: object, ctx: object) -> list[PlaceOrder]:
            return []

        def on_fill(self, fill: object, order: object, ctx: object) -> list[PlaceOrder]:
            return []

        def on_resume(self, ctx: object) -> list[PlaceOrder]:
            return []

        def wind_down(self, ctx: object) -> list[PlaceOrder]:
            return []

        def describe(self) -> str:
            return "fixed"

    wrapped = Filtered(Fixed(), smc())  # type: ignore[arg-type]
    assert [i.tag for i in places(wrapped.on_start(ctx("115")))] == ["tp"]
    assert wrapped.blocked == 2 and set(wrapped.parked) == {"b1"}
    assert "1 entries parked" in wrapped.describe()
    released: list[str] = []
    for bar in bars(UP_BREAK):
        released += [i.tag for i in places(wrapped.on_candle(bar, ctx(str(bar.close))))]
    assert released == ["b1"]  # placed once the demand zone appeared
    assert wrapped.parked == {}


def test_touches_are_counted_on_the_filter_bars_the_same_from_1m_and_5m_candles() -> None:
    """Price dipping into a zone twice inside five minutes is one touch of the 15m bar it
    belongs to, whether it arrives as 1m candles or as the 5m candles made from them."""
    # 15 minutes of 1m candles: in and out of the demand zone 100-101 twice in minutes 0-4
    rows = [(103.0, 103.0, 100.5, 102.0), (102.0, 103.0, 102.0, 102.5)] * 2
    rows += [(102.5, 103.0, 102.0, 102.5)] * 11
    ones = bars(rows)
    fives = [
        candle(
            5 * k,
            ones[5 * k].open,
            max(c.high for c in ones[5 * k : 5 * k + 5]),
            min(c.low for c in ones[5 * k : 5 * k + 5]),
            ones[5 * k + 4].close,
            5 * 60_000,
        )
        for k in range(3)
    ]
    touches = []
    for candles in (ones, fives):
        smc = SmcFilter(SmcConfig(interval="15m", max_touches=5))
        zone = smc.zones.add(Zone("demand", 100, 101, 0, {"order block"}))
        for c in candles:
            smc.update(c)
        touches.append(zone.touches)
    assert touches == [1, 1]
