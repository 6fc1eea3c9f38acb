"""The UTA transaction log (`GET /v5/account/transaction-log`), derived from the executions.

Every balance change of the account is one entry, in the coin it changed: a linear trade
(`TRADE`: `cashFlow` is the PnL it realised, `fee` its fee), a funding settlement
(`SETTLEMENT`: `funding` is what the account received, negative when it paid) and each coin of
a spot trade (`TRADE`: the base bought or sold and the quote paid or received). `change` is
`cashFlow + funding - fee`, and `cashBalance` the coin's wallet balance after it, counted from
the opening balances; the last entry of a coin therefore equals its wallet balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO, Side
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.exchanges.emulator.records import ExecutionRecord
from traderagent.exchanges.spot_rules import split_symbol


@dataclass(frozen=True, slots=True)
class Transaction:
    """One balance change of one coin."""

    entry_id: int
    execution: ExecutionRecord
    kind: str  # TRADE or SETTLEMENT
    currency: str
    cash_flow: Decimal
    funding: Decimal
    fee: Decimal
    cash_balance: Decimal
    size: Decimal  # the position after it (linear), else the traded qty

    @property
    def change(self) -> Decimal:
        return self.cash_flow + self.funding - self.fee


def transactions(
    opening: Mapping[str, Decimal], executions: Iterable[ExecutionRecord]
) -> list[Transaction]:
    """Every entry, oldest first, with running balances from the `opening` balances."""
    balances = {coin: Decimal(amount) for coin, amount in opening.items()}
    positions: dict[str, Decimal] = {}  # signed linear size per symbol
    found: list[Transaction] = []

    def add(e: ExecutionRecord, kind: str, coin: str, flow: Decimal, funding: Decimal,
            fee: Decimal, size: Decimal) -> None:  # fmt: skip
        balances[coin] = balances.get(coin, ZERO) + flow + funding - fee
        found.append(
            Transaction(len(found) + 1, e, kind, coin, flow, funding, fee, balances[coin], size)
        )

    for e in sorted(executions, key=lambda e: e.seq):
        base, quote = split_symbol(e.symbol)
        if e.exec_type == "Funding":
            size = abs(positions.get(e.symbol, ZERO))
            add(e, "SETTLEMENT", e.fee_currency, ZERO, -e.exec_fee, ZERO, size)
        elif e.category == "linear":
            signed = e.exec_qty if e.side is Side.BUY else -e.exec_qty
            positions[e.symbol] = positions.get(e.symbol, ZERO) + signed
            size = abs(positions[e.symbol])
            add(e, "TRADE", e.fee_currency, e.exec_pnl, ZERO, e.exec_fee, size)
        else:
            sign = 1 if e.side is Side.BUY else -1
            for coin, flow in ((base, e.exec_qty * sign), (quote, -e.exec_value * sign)):
                fee = e.exec_fee if coin == e.fee_currency else ZERO
                add(e, "TRADE", coin, flow, ZERO, fee, e.exec_qty)
    return found


def transaction_json(t: Transaction) -> dict[str, object]:
    e = t.execution
    return {
        "id": str(t.entry_id),
        "symbol": e.symbol,
        "category": e.category,
        "side": e.side.value,
        "transactionTime": str(e.exec_time),
        "type": t.kind,
        "transSubType": "",
        "qty": num(e.exec_qty),
        "size": num(t.size),
        "currency": t.currency,
        "tradePrice": num(e.exec_price),
        "funding": num(t.funding) if t.kind == "SETTLEMENT" else "",
        "fee": num(t.fee),
        "cashFlow": num(t.cash_flow),
        "change": num(t.change),
        "cashBalance": num(t.cash_balance),
        "feeRate": num(e.fee_rate),
        "bonusChange": "",
        "tradeId": e.exec_id,
        "orderId": e.order_id,
        "orderLinkId": e.order_link_id,
        "extraFees": "",
    }


def select(entries: Iterable[Transaction], params: Mapping[str, str], start: int, end: int
           ) -> list[Transaction]:  # fmt: skip
    """Entries matching the query's category, currency, baseCoin and type in [start, end],
    newest first."""
    wanted = {
        "category": params.get("category", ""),
        "currency": params.get("currency", ""),
        "baseCoin": params.get("baseCoin", ""),
        "type": params.get("type", ""),
    }
    chosen = [
        t
        for t in entries
        if wanted["category"] in ("", t.execution.category)
        and wanted["currency"] in ("", t.currency)
        and wanted["baseCoin"] in ("", split_symbol(t.execution.symbol)[0])
        and wanted["type"] in ("", t.kind)
        and start <= t.execution.exec_time <= end
    ]
    return chosen[::-1]
