"""The linear paper venue's book in storage, beside the spot book's orders, fills and balances:
its positions (`StoredPosition`, every symbol's, written whole with each write), which resting
orders are reduce-only, and in `VenueMark.details` its category, margin mode, liquidation
counters and the mark prices given for the current candle. `restore` puts a stored book back
into a new `LinearBook`, failing closed (ValueError) where the configuration no longer fits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from traderagent.domain import ZERO, Order
from traderagent.exchanges.paper.book import RestingOrder
from traderagent.exchanges.paper.linear.venue import LinearBook
from traderagent.exchanges.paper.stored_book import PaperBook, StoredOrder, StoredPosition

CATEGORY = "linear"
"""`details["category"]` of a linear book (a spot book has none): one never loads the other."""


def book_category(book: PaperBook | None) -> str:
    """Which paper venue wrote `book`: "linear", or "spot" (None: no book yet, either fits)."""
    if book is None or book.mark is None:
        return ""
    return str(book.mark.details.get("category", "spot"))


def positions_of(
    book: LinearBook, funded: Mapping[str, int], funding: Mapping[str, Decimal]
) -> list[StoredPosition]:
    owners = book.liquidator.owners
    return [
        StoredPosition(
            s,
            p.side,
            p.size,
            p.avg_price,
            p.leverage,
            p.mmr,
            p.margin,
            p.cur_realised,
            p.cum_realised,
            funding.get(s, ZERO),
            p.created_ms,
            p.updated_ms,
            p.seq,
            funded.get(s),
            *owners.get(s, ("", "")),
        )  # fmt: skip
        for s, p in book.positions.items()
    ]


def details_of(book: LinearBook, funding_skipped: int) -> dict[str, Any]:
    return {
        "category": CATEGORY,
        "margin_mode": book.margin_mode,
        "liquidations": book.liquidator.count,
        "next_liquidation": book.liquidator.peek_id(),
        "funding_skipped": funding_skipped,
        "marks": {symbol: str(mark) for symbol, mark in book.marks.items()},
    }


def stored_order(book: LinearBook, order: Order) -> StoredOrder:
    """`order` as stored: a resting one with the margin it locked and its reduce-only flag."""
    cid = order.client_order_id
    resting = book.open.get(cid)
    if resting is None:
        return StoredOrder(order)
    reduce_only = cid in book.reduce_only
    return StoredOrder(resting.order, resting.lock_asset, resting.lock, resting.taker, reduce_only)


def restore(book: LinearBook, stored: PaperBook) -> tuple[dict[str, int], dict[str, Decimal]]:
    """Put `stored` into `book`, a new one whose wallet holds the stored balances already:
    positions, resting orders, mark and last prices, counters. Returns the funding times and
    totals per symbol. ValueError if the book does not fit the configured venue."""
    details = stored.mark.details if stored.mark is not None else {}
    resting = [s for s in stored.orders if s.order.is_open and s.order.price is not None]
    _check_fits(book, stored, details, resting)
    funded: dict[str, int] = {}
    funding: dict[str, Decimal] = {}
    for saved in stored.positions:
        position = book.positions.get(saved.symbol)
        if position is None:
            continue  # flat (checked): a symbol this configuration does not list
        position.side, position.size, position.avg_price = saved.side, saved.size, saved.avg_price
        if saved.size:  # its margin was held at its leverage; a flat one takes the configured
            position.leverage = saved.leverage
        position.margin = saved.margin
        position.cur_realised, position.cum_realised = saved.cur_realised, saved.cum_realised
        position.created_ms, position.updated_ms = saved.created_ms, saved.updated_ms
        position.seq = saved.seq
        if saved.owner or saved.owner_bot:
            book.liquidator.owners[saved.symbol] = (saved.owner, saved.owner_bot)
        if saved.funded_ms is not None:
            funded[saved.symbol] = saved.funded_ms
        funding[saved.symbol] = saved.funding
    orders = [
        (RestingOrder(s.order, s.order.price, s.lock_asset, s.lock, s.taker), s.reduce_only)
        for s in resting
        if s.order.price is not None
    ]
    mark = stored.mark
    book.resume(mark.next_fill_id if mark is not None else 1, orders)
    if mark is not None:
        for symbol, text in mark.last_prices.items():
            if symbol in book.instruments:
                book.matcher.set_last_price(symbol, float(text))
    for symbol, text in dict(details.get("marks", {})).items():
        if symbol in book.instruments:
            book.set_mark(symbol, Decimal(str(text)))
    book.liquidator.resume(
        int(details.get("liquidations", 0)), int(details.get("next_liquidation", 1))
    )
    return funded, funding


def _check_fits(
    book: LinearBook, stored: PaperBook, details: Mapping[str, Any], resting: list[StoredOrder]
) -> None:
    """ValueError if the configured venue cannot hold the stored book as it is."""
    held = [p.symbol for p in stored.positions if p.size]
    unlisted = sorted(
        {s for s in held if s not in book.positions}
        | {s.order.symbol for s in resting if s.order.symbol not in book.instruments}
    )
    if unlisted:
        raise ValueError(
            f"the stored paper book holds positions or orders in {', '.join(unlisted)}, which "
            "this configuration does not list"
        )
    mode = str(details.get("margin_mode", book.margin_mode))
    if mode != book.margin_mode and (held or resting):
        raise ValueError(
            f"the stored paper book trades in {mode} margin with open positions or orders: "
            f"its margin mode cannot become {book.margin_mode} now (as on Bybit)"
        )
