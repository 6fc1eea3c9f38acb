"""The linear paper venue's book in the database: a venue restored from it is the venue that
wrote it (positions long and short, reduce-only and stop orders, funding, counters), exactly,
on SQLite and PostgreSQL, and it trades on as the original does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from unit.storage.backends import Backend

from storage import Database
from traderagent.domain import Candle, Instrument, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.paper.linear import ConstantRate, LinearFill
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.wiring.paper_store import DatabaseBookStore

D = Decimal
HOUR = 3_600_000
DAY0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC: a funding mark
BTC = Instrument("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("5"))
ETH = Instrument("ETHUSDT", "ETH", "USDT", D("0.01"), D("0.01"), D("0.01"), D("5"))


class Clock:
    def __init__(self) -> None:
        self.ms = DAY0

    def now(self) -> int:
        return self.ms


def venue(clock: Clock) -> PaperLinearExchange:
    # leverage 3: margins are quotients with more decimals than NUMERIC(38, 18) keeps
    return PaperLinearExchange(
        {"BTCUSDT": BTC, "ETHUSDT": ETH}, {"USDT": D("50000")}, now_ms=clock.now,
        leverage={"BTCUSDT": D(3), "ETHUSDT": D(7)}, funding=ConstantRate(D("0.0001")),
    )  # fmt: skip


def feed(exchange: PaperLinearExchange, clock: Clock, hour: int, btc: float, eth: float) -> None:
    clock.ms = DAY0 + (hour + 1) * HOUR
    for symbol, price in (("BTCUSDT", btc), ("ETHUSDT", eth)):
        step = price * 0.001
        exchange.on_candle(
            Candle(symbol, DAY0 + hour * HOUR, price, price + step, price - step, price, 1.0, HOUR)
        )


def request(  # noqa: PLR0913 - one order's fields
    cid: str,
    symbol: str,
    side: Side,
    qty: str,
    price: str | None = None,
    kind: OrderType = OrderType.LIMIT,
    reduce_only: bool = False,
) -> OrderRequest:
    kind = OrderType.MARKET if price is None else kind
    return OrderRequest(
        cid, symbol, side, kind, D(qty), None if price is None else D(price), "b", "", reduce_only
    )


def state(exchange: PaperLinearExchange) -> dict[str, Any]:
    """Everything a restored venue must have as the original had it."""
    book = exchange.book
    return {
        "balances": exchange.balances_sync(),
        "positions": {
            s: (
                p.side,
                p.size,
                p.avg_price,
                p.leverage,
                p.margin,
                p.cur_realised,
                p.cum_realised,
                p.created_ms,
                p.updated_ms,
                p.seq,
            )
            for s, p in book.positions.items()
        },  # fmt: skip
        "open": {
            cid: (r.order, r.price, r.lock_asset, r.lock, r.taker) for cid, r in book.open.items()
        },  # fmt: skip
        "reduce_only": set(book.reduce_only),
        "fills": [(f, type(f)) for f in exchange._fills],  # noqa: SLF001 - the test's view
        "orders": dict(exchange._orders),  # noqa: SLF001
        "funded": dict(exchange._funded),  # noqa: SLF001
        "funding_paid": dict(exchange.funding_paid),
        "marks": dict(book.marks),
        "last": {s: book.last_price(s) for s in book.instruments},
        "next_fill": book.peek_fill_id(),
        "liquidations": (
            book.liquidator.count,
            book.liquidator.peek_id(),
            dict(book.liquidator.owners),
        ),  # fmt: skip
        "cursor": exchange.cursor_ms,
    }


async def test_a_restored_linear_venue_is_the_one_stored(backend: Backend) -> None:
    database = await Database.open(backend.target)
    try:
        clock = Clock()
        original = venue(clock)
        store = DatabaseBookStore(database)
        original.attach_store(store, await store.load())
        feed(original, clock, 0, 20000.0, 1500.0)
        buy = original.place_order_sync
        assert buy(request("b-1", "BTCUSDT", Side.BUY, "0.3")).status is OrderStatus.FILLED
        feed(original, clock, 1, 20100.0, 1510.0)
        assert buy(request("b-2", "BTCUSDT", Side.BUY, "0.4")).status is OrderStatus.FILLED
        assert buy(request("b-3", "ETHUSDT", Side.SELL, "3")).status is OrderStatus.FILLED
        resting = [
            request("b-4", "BTCUSDT", Side.SELL, "0.2", "21000", reduce_only=True),
            request("b-5", "BTCUSDT", Side.SELL, "0.7", "19000", OrderType.STOP_MARKET, True),
            request("b-6", "ETHUSDT", Side.BUY, "1", "1400"),
            request("b-7", "ETHUSDT", Side.BUY, "3", "1650", OrderType.STOP_MARKET, True),
        ]
        for r in resting:
            assert buy(r).status is OrderStatus.NEW, r
        for hour in range(2, 10):  # through the 08:00 funding mark
            feed(original, clock, hour, 20100.0 + hour, 1510.0 - hour)
        assert set(original.funding_paid) == {"BTCUSDT", "ETHUSDT"}  # long pays, short gets
        assert original.funding_paid["BTCUSDT"] > 0 > original.funding_paid["ETHUSDT"]
        position = original.book.position("BTCUSDT")
        assert len(str(position.avg_price).split(".")[1]) > 18  # (0.3x20000 + 0.4x20100) / 0.7
        await original.persist(force=True)
        kept = state(original)

        restored = venue(Clock())
        restored.attach_store(DatabaseBookStore(database), await DatabaseBookStore(database).load())
        assert state(restored) == kept
        assert {r.client_order_id for r in resting} == set(restored.book.open)
        assert isinstance(restored._fills[0], LinearFill)  # noqa: SLF001

        # both trade on alike: the take profit, then the short's stop, and the next funding
        restored_clock = Clock()
        for exchange, its_clock in ((original, clock), (restored, restored_clock)):
            for hour, (btc, eth) in enumerate(((21100.0, 1600.0), (21050.0, 1700.0)), start=10):
                feed(exchange, its_clock, hour, btc, eth)
            for hour in range(12, 18):
                feed(exchange, its_clock, hour, 21000.0, 1700.0)
            feed(exchange, its_clock, 18, 20000.0, 1690.0)
        assert state(restored) == state(original)
        orders = restored._orders  # noqa: SLF001
        assert orders["b-4"].status is OrderStatus.FILLED  # the reduce-only take profit
        assert orders["b-7"].status is OrderStatus.FILLED  # the short's stop
        assert orders["b-7"].qty == D(3) and restored.book.position("ETHUSDT").size == 0
        # a restored venue refuses an id it already used, as before the restart
        again = restored.place_order_sync(request("b-6", "ETHUSDT", Side.BUY, "1", "1400"))
        assert again.status is OrderStatus.REJECTED and "duplicate" in again.reject_reason
    finally:
        await database.close()
