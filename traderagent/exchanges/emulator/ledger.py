"""Ledger: the emulated UTA account: one wallet, a spot venue and a linear venue, and records.

Spot orders go to a `PaperExchange` (the embedded paper venue itself), linear ones to a
`LinearVenue`; both share one wallet and one candle-path matching engine. The ledger turns
their updates into the Bybit records (`OrderRecord`, `ExecutionRecord`) and into private
pushes, in Bybit's order: `order`, then `execution`, then `position` (linear), then `wallet`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from itertools import count

from traderagent.domain import ZERO, Fill, Instrument, Liquidity, Order, OrderStatus, OrderType
from traderagent.exchanges.emulator.instruments import MarketRules
from traderagent.exchanges.emulator.linear import LinearVenue
from traderagent.exchanges.emulator.records import ExecutionRecord, LinearFill, OrderRecord
from traderagent.exchanges.emulator.wire import (
    CoinBalance,
    execution_json,
    order_json,
    position_json,
    wallet_json,
)
from traderagent.exchanges.fee_rules import LINEAR_FEES, SPOT_FEES, FeeRules
from traderagent.exchanges.paper import FillModel, PaperExchange
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import market_price
from traderagent.exchanges.ports import ExchangeUpdate

Publish = Callable[[str, str, list[dict[str, object]]], None]
"""(topic, category, items): a private push; category is "" for the wallet."""

STABLE_COINS = ("USDT", "USDC")
FIRST_ORDER_ID = 1_700_000_000_000_000_001


class Ledger:
    """Account state and the records of every order and execution, in creation order."""

    def __init__(
        self,
        rules: Iterable[MarketRules],
        balances: Mapping[str, Decimal],
        fill_model: FillModel,
        *,
        now_ms: Callable[[], int],
        publish: Publish,
        spot_fees: FeeRules = SPOT_FEES,
        linear_fees: FeeRules = LINEAR_FEES,
    ) -> None:
        self._rules = {(r.category, r.symbol): r for r in rules}
        self.now_ms = now_ms
        self._fees = {"spot": spot_fees, "linear": linear_fees}
        self.opening_balances = dict(balances)  # where the transaction log counts from
        self.wallet = Account(balances)
        self.spot = PaperExchange(
            self.instruments("spot"), {}, spot_fees.maker, spot_fees.taker, fill_model,
            now_ms=now_ms, account=self.wallet,
        )  # fmt: skip
        self.linear = LinearVenue(
            self.instruments("linear"), self.wallet, linear_fees, fill_model, now_ms=now_ms
        )
        self.spot.set_listener(self._on_update)
        self.linear.set_listener(self._on_update)
        self._publish = publish
        self._orders: dict[str, OrderRecord] = {}
        self._links: dict[str, str] = {}
        self._venue_ids: dict[str, str] = {}  # orderId -> the venue's id after an amend
        self._owners: dict[str, str] = {}  # the venue's id after an amend -> orderId
        self._replaced: set[str] = set()  # venue ids an amend withdrew: their cancel is silent
        self._executions: list[ExecutionRecord] = []
        self._fills: list[Fill] = []  # reported by a venue, waiting for their order update
        self._order_ids = count(FIRST_ORDER_ID)
        self._exec_seq = count(1)

    # -- lookups ------------------------------------------------------------------------------

    def fees(self, category: str) -> FeeRules:
        """The fee rules of a category: rates and the coin each side pays in."""
        return self._fees["linear" if category == "linear" else "spot"]

    def rules_for(self, category: str, symbol: str) -> MarketRules | None:
        return self._rules.get((category, symbol))

    def rules(self, category: str) -> list[MarketRules]:
        return [r for (c, _), r in self._rules.items() if c == category]

    def instruments(self, category: str) -> dict[str, Instrument]:
        return {r.symbol: r.instrument for r in self.rules(category)}

    def last_price(self, category: str, symbol: str) -> Decimal | None:
        """The last traded price on the symbol's tick, or None before the first candle."""
        venue = self.spot if category == "spot" else self.linear
        last, rules = venue.last_price(symbol), self._rules[(category, symbol)]
        return None if last is None else market_price(rules.instrument, last)

    def orders(self) -> list[OrderRecord]:
        return list(self._orders.values())

    def executions(self) -> list[ExecutionRecord]:
        return list(self._executions)

    def order(self, order_id: str = "", link_id: str = "") -> OrderRecord | None:
        """By orderId, else by orderLinkId (orderId wins when both are given)."""
        if order_id:
            return self._orders.get(order_id)
        return self._orders.get(self._links.get(link_id, "")) if link_id else None

    def venue_id(self, order_id: str) -> str:
        """The id the order has at its venue (its orderId until an amend replaced it)."""
        return self._venue_ids.get(order_id, order_id)

    def rebind(self, order_id: str, new_venue_id: str) -> None:
        """An amend withdrew the order's venue order (its cancel is not the order's) and places
        `new_venue_id` in its place, whose updates are the order's."""
        self._replaced.add(self.venue_id(order_id))
        self._venue_ids[order_id] = new_venue_id
        self._owners[new_venue_id] = order_id

    def link_used(self, link_id: str) -> bool:
        return link_id in self._links

    def next_order_id(self) -> str:
        return str(next(self._order_ids))

    # -- record keeping -----------------------------------------------------------------------

    def store(self, record: OrderRecord) -> None:
        self._orders[record.order_id] = record
        if record.order_link_id:
            self._links[record.order_link_id] = record.order_id

    def forget(self, record: OrderRecord) -> None:
        """Drop a record whose order the venue refused synchronously (it never existed)."""
        self._orders.pop(record.order_id, None)
        self._links.pop(record.order_link_id, None)

    def announce(self, record: OrderRecord) -> None:
        """Push an order state the venues did not report (accepted, or refused on arrival)."""
        self.store(record)
        self._push_order(record, [])

    def _on_update(self, update: ExchangeUpdate) -> None:
        if isinstance(update, Fill):
            self._fills.append(update)
            return
        if update.client_order_id in self._replaced:
            self._replaced.discard(update.client_order_id)
            return
        order_id = self._owners.get(update.client_order_id, update.client_order_id)
        record = self._orders.get(order_id) or self._liquidation_record(update)
        fills = [f for f in self._fills if f.client_order_id == update.client_order_id]
        self._fills = [f for f in self._fills if f.client_order_id != update.client_order_id]
        executions = [self._execution(record, f) for f in fills]
        status = update.status.value
        if record.status == "Untriggered" and update.status is OrderStatus.CANCELLED:
            status = "Deactivated"  # a conditional order cancelled before it triggered
        record = replace(
            record,
            qty=update.qty,
            status=status,
            updated_ms=update.updated_ms,
            cum_exec_qty=record.cum_exec_qty + sum((e.exec_qty for e in executions), ZERO),
            cum_exec_value=record.cum_exec_value + sum((e.exec_value for e in executions), ZERO),
            cum_exec_fee=record.cum_exec_fee + sum((e.exec_fee for e in executions), ZERO),
            closed_pnl=record.closed_pnl + sum((_closed_pnl(e) for e in executions), ZERO),
            cancel_type="CancelByUser" if update.status is OrderStatus.CANCELLED else "UNKNOWN",
            # Bybit names no reason for a triggered conditional order it refuses (pybit #235)
            reject_reason="EC_Others" if update.status is OrderStatus.REJECTED else "EC_NoError",
        )
        self.store(record)
        self._executions.extend(executions)
        self._push_order(record, executions)

    def _liquidation_record(self, update: Order) -> OrderRecord:
        """The order the venue itself placed to liquidate a position (its id is the venue's
        `<owner>-liq<n>`; the order's link id is empty, as on Bybit)."""
        symbol = update.symbol
        record = OrderRecord(
            order_id=update.client_order_id,
            order_link_id="",
            category="linear",
            symbol=symbol,
            side=update.side,
            order_type=OrderType.MARKET,
            qty=update.qty,
            price=ZERO,
            time_in_force="IOC",
            status="New",
            created_ms=update.created_ms,
            updated_ms=update.created_ms,
            last_price_on_created=self.mark(symbol),
            fee_currency=self._rules[("linear", symbol)].instrument.quote,
            reduce_only=True,
        )
        self.store(record)
        return record

    def _execution(self, record: OrderRecord, fill: Fill) -> ExecutionRecord:
        closed, pnl = (
            (fill.closed_size, fill.exec_pnl) if isinstance(fill, LinearFill) else (ZERO, ZERO)
        )
        return ExecutionRecord(
            exec_id=f"{record.order_id[-10:]}-{fill.fill_id}",
            order_id=record.order_id,
            order_link_id=record.order_link_id,
            category=record.category,
            symbol=record.symbol,
            side=record.side,
            order_type=record.order_type,
            order_price=record.price,
            order_qty=fill.qty,
            leaves_qty=ZERO,
            exec_price=fill.price,
            exec_qty=fill.qty,
            exec_fee=fill.fee,
            fee_rate=self.fees(record.category).rate(fill.liquidity),
            fee_currency=fill.fee_asset,
            is_maker=fill.liquidity is Liquidity.MAKER,
            exec_time=fill.ts,
            mark_price=fill.price,
            seq=next(self._exec_seq),
            closed_size=closed,
            exec_pnl=pnl,
            exec_type=fill.exec_type if isinstance(fill, LinearFill) else "Trade",
        )

    def _push_order(self, record: OrderRecord, executions: list[ExecutionRecord]) -> None:
        category = record.category
        self._publish("order", category, [order_json(record, push=True)])
        if executions:
            items = [execution_json(e, push=True) for e in executions]
            self._publish("execution", category, items)
        if category == "linear":
            self._publish("position", category, [self.position_item(record.symbol, push=True)])
        self._publish("wallet", "", [self.wallet_item()])

    def settle_funding(self, symbol: str, rate: Decimal, ts: int) -> ExecutionRecord | None:
        """Charge (or pay) the funding of `symbol`'s position at `ts` by the shared linear
        model (`LinearBook.settle_funding`): an execution of execType Funding, pushed with the
        position and the wallet. None when flat."""
        charge = self.linear.settle_funding(symbol, rate, ts)
        if charge is None:
            return None
        mark, fee, quote = charge.mark, charge.fee, charge.asset
        record = ExecutionRecord(
            exec_id=f"funding-{symbol}-{ts}",
            order_id="",
            order_link_id="",
            category="linear",
            symbol=symbol,
            side=charge.side,
            order_type=OrderType.MARKET,
            order_price=ZERO,
            order_qty=ZERO,
            leaves_qty=ZERO,
            exec_price=mark,
            exec_qty=charge.size,
            exec_fee=fee,
            fee_rate=rate,
            fee_currency=quote,
            is_maker=False,
            exec_time=ts,
            mark_price=mark,
            seq=next(self._exec_seq),
            exec_type="Funding",
        )
        self._executions.append(record)
        self._publish("execution", "linear", [execution_json(record, push=True)])
        self._publish("position", "linear", [self.position_item(symbol, push=True)])
        self._publish("wallet", "", [self.wallet_item()])
        return record

    # -- account views ------------------------------------------------------------------------

    def mark(self, symbol: str) -> Decimal:
        return self.linear.mark(symbol) or ZERO

    def position_item(self, symbol: str, *, push: bool = False) -> dict[str, object]:
        linear, inst = self.linear, self._rules[("linear", symbol)].instrument
        position = linear.position(symbol)
        extra = linear.extra_margin(symbol)
        liq, bust = position.liquidation_price(extra), position.bankruptcy_price(extra)
        prices = (
            None if liq is None else inst.round_price(liq),
            None if bust is None else inst.round_price(bust),
        )
        return position_json(position, self.mark(symbol), prices, push=push)

    def wallet_item(self, coins: Iterable[str] | None = None) -> dict[str, object]:
        """The wallet (`list[0]` of wallet-balance); zero balances are left out."""
        wanted = None if coins is None else set(coins)
        positions = [self.linear.position(r.symbol) for r in self.rules("linear")]
        balances = []
        for asset, balance in self.wallet.snapshot().items():
            if (wanted is not None and asset not in wanted) or not balance.total:
                continue
            own = [
                p for p in positions if self._rules[("linear", p.symbol)].instrument.quote == asset
            ]
            position_im = sum((p.margin for p in own), ZERO)
            order_im = self.linear.order_margin() if own else ZERO
            balances.append(
                CoinBalance(
                    coin=asset,
                    wallet=balance.total,
                    locked=balance.locked - position_im - order_im,
                    usd_price=self._usd_price(asset),
                    order_im=order_im,
                    position_im=position_im,
                    position_mm=sum((p.maintenance for p in own), ZERO),
                    unrealised=sum((p.unrealised(self.mark(p.symbol)) for p in own), ZERO),
                    cum_realised=sum((p.cum_realised for p in own), ZERO),
                )
            )
        return wallet_json(balances)

    def _usd_price(self, asset: str) -> Decimal:
        if asset in STABLE_COINS:
            return Decimal(1)
        for quote in STABLE_COINS:
            if ("spot", asset + quote) in self._rules:
                return self.last_price("spot", asset + quote) or ZERO
        return ZERO


def _closed_pnl(execution: ExecutionRecord) -> Decimal:
    """An execution's share of the order's closedPnl: its PnL less a fee paid in the settle
    coin (a spot buy's fee is in the base coin, not money of the PnL)."""
    in_settle_coin = execution.symbol.endswith(execution.fee_currency)
    return execution.exec_pnl - (execution.exec_fee if in_settle_coin else ZERO)
