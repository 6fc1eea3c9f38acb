"""Bybit V5 JSON of the private objects: orders, executions, positions and the wallet.

Numbers are strings except positionIdx, triggerDirection, smpGroup and seq (docs §2). REST
and the private WebSocket share each shape; a push adds `category` and a few fields, and a WS
position calls the entry price `entryPrice` where REST says `avgPrice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.exchanges.emulator.linear import LinearPosition
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord

MONEY = Decimal("0.00000001")


def money(value: Decimal) -> str:
    """A derived amount (margin, PnL, equity) rounded to 8 decimals."""
    return num(value.quantize(MONEY))


def order_json(o: OrderRecord, *, push: bool = False) -> dict[str, object]:
    item: dict[str, object] = {
        "orderId": o.order_id,
        "orderLinkId": o.order_link_id,
        "parentOrderLinkId": "",
        "blockTradeId": "",
        "symbol": o.symbol,
        "price": num(o.price),
        "qty": num(o.qty),
        "side": o.side.value,
        "isLeverage": "0" if o.category == "spot" else "",
        "positionIdx": 0,
        "orderStatus": o.status,
        "createType": "CreateByUser",
        "cancelType": o.cancel_type,
        "rejectReason": o.reject_reason,
        "avgPrice": num(o.avg_price) if o.cum_exec_qty else "0",
        "leavesQty": num(o.leaves_qty),
        "leavesValue": num(o.leaves_qty * o.price),
        "cumExecQty": num(o.cum_exec_qty),
        "cumExecValue": num(o.cum_exec_value),
        "cumExecFee": num(o.cum_exec_fee),
        "cumFeeDetail": {o.fee_currency: num(o.cum_exec_fee)} if o.cum_exec_qty else {},
        "timeInForce": o.time_in_force,
        "orderType": o.order_type.value,
        "stopOrderType": "Stop" if o.trigger_price else "UNKNOWN",
        "orderIv": "",
        "marketUnit": o.market_unit,
        "triggerPrice": num(o.trigger_price) if o.trigger_price else "0",
        "takeProfit": "0",
        "stopLoss": "0",
        "tpslMode": "UNKNOWN",
        "tpLimitPrice": "0",
        "slLimitPrice": "0",
        "tpTriggerBy": "UNKNOWN",
        "slTriggerBy": "UNKNOWN",
        "triggerDirection": o.trigger_direction,
        "triggerBy": "LastPrice" if o.trigger_price else "UNKNOWN",
        "lastPriceOnCreated": num(o.last_price_on_created),
        "reduceOnly": o.reduce_only,
        "closeOnTrigger": False,
        "placeType": "",
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "createdTime": str(o.created_ms),
        "updatedTime": str(o.updated_ms),
    }
    if push:
        item.update(
            category=o.category,
            closedPnl=money(o.closed_pnl),
            feeCurrency=o.fee_currency,
            rpiTakerAccess=False,
            rpiMatchedQty="0",
        )
    return item


def execution_json(e: ExecutionRecord, *, push: bool = False) -> dict[str, object]:
    item: dict[str, object] = {
        "symbol": e.symbol,
        "orderId": e.order_id,
        "orderLinkId": e.order_link_id,
        "side": e.side.value,
        "orderPrice": num(e.order_price),
        "orderQty": num(e.order_qty),
        "leavesQty": num(e.leaves_qty),
        "createType": "CreateByUser",
        "orderType": "UNKNOWN" if e.exec_type == "Funding" else e.order_type.value,
        "stopOrderType": "UNKNOWN",
        "execFee": num(e.exec_fee),
        "execId": e.exec_id,
        "execPrice": num(e.exec_price),
        "execQty": num(e.exec_qty),
        "execType": e.exec_type,
        "execValue": num(e.exec_value),
        "execTime": str(e.exec_time),
        "feeCurrency": e.fee_currency,
        "isMaker": e.is_maker,
        "feeRate": num(e.fee_rate),
        "tradeIv": "",
        "markIv": "",
        "markPrice": num(e.mark_price),
        "indexPrice": num(e.mark_price),
        "underlyingPrice": "",
        "blockTradeId": "",
        "closedSize": num(e.closed_size),
        "seq": e.seq,
        "extraFees": "",
    }
    if push:
        item.update(category=e.category, execPnl=money(e.exec_pnl), isLeverage="")
    return item


def position_json(
    p: LinearPosition,
    mark: Decimal,
    prices: tuple[Decimal | None, Decimal | None] = (None, None),
    *,
    push: bool = False,
) -> dict[str, object]:
    """A position item; `prices` = (liquidation, bankruptcy) prices on the tick, if any."""
    liq, bust = prices
    value = p.size * p.avg_price
    item: dict[str, object] = {
        "positionIdx": 0,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "symbol": p.symbol,
        "side": p.side.value if p.side is not None else "",
        "size": num(p.size) if p.size else "0",
        "avgPrice" if not push else "entryPrice": num(p.avg_price),
        "positionValue": money(value),
        "tradeMode": 0,
        "positionStatus": "Normal",
        "autoAddMargin": 0,
        "adlRankIndicator": 2 if p.size else 0,
        "leverage": num(p.leverage),
        "positionBalance": money(p.margin),
        "markPrice": num(mark),
        "liqPrice": "" if liq is None else num(liq),
        "bustPrice": "" if bust is None else num(bust),
        "positionMM": money(p.maintenance),
        "positionIM": money(p.margin),
        "tpslMode": "Full",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "unrealisedPnl": money(p.unrealised(mark)),
        "curRealisedPnl": money(p.cur_realised),
        "cumRealisedPnl": money(p.cum_realised),
        "createdTime": str(p.created_ms),
        "updatedTime": str(p.updated_ms),
        "seq": p.seq,
        "isReduceOnly": False,
        "breakEvenPrice": num(p.avg_price),
    }
    if push:
        item["category"] = "linear"
    return item


@dataclass(frozen=True, slots=True)
class CoinBalance:
    """One coin of the unified wallet. `locked` is spot order locks; IM is linear margin."""

    coin: str
    wallet: Decimal
    locked: Decimal
    usd_price: Decimal
    order_im: Decimal = ZERO
    position_im: Decimal = ZERO
    position_mm: Decimal = ZERO
    unrealised: Decimal = ZERO
    cum_realised: Decimal = ZERO

    @property
    def equity(self) -> Decimal:
        return self.wallet + self.unrealised


def wallet_json(coins: list[CoinBalance]) -> dict[str, object]:
    """The `list[0]` item of wallet-balance, also the `wallet` push item. Totals are in USD."""
    wallet = sum((c.wallet * c.usd_price for c in coins), ZERO)
    upl = sum((c.unrealised * c.usd_price for c in coins), ZERO)
    im = sum(((c.order_im + c.position_im) * c.usd_price for c in coins), ZERO)
    mm = sum((c.position_mm * c.usd_price for c in coins), ZERO)
    locked = sum((c.locked * c.usd_price for c in coins), ZERO)
    margin_balance = wallet + upl
    return {
        "accountType": "UNIFIED",
        "accountIMRate": money(im / margin_balance) if margin_balance > 0 else "0",
        "accountMMRate": money(mm / margin_balance) if margin_balance > 0 else "0",
        "accountLTV": "0",
        "totalEquity": money(margin_balance),
        "totalWalletBalance": money(wallet),
        "totalMarginBalance": money(margin_balance),
        "totalAvailableBalance": money(margin_balance - im - locked),
        "totalPerpUPL": money(upl),
        "totalInitialMargin": money(im),
        "totalMaintenanceMargin": money(mm),
        "coin": [_coin_json(c) for c in coins],
    }


def _coin_json(c: CoinBalance) -> dict[str, object]:
    return {
        "coin": c.coin,
        "equity": num(c.equity),
        "usdValue": money(c.equity * c.usd_price),
        "walletBalance": num(c.wallet),
        "locked": num(c.locked),
        "borrowAmount": "0",
        "accruedInterest": "0",
        "totalOrderIM": money(c.order_im),
        "totalPositionIM": money(c.position_im),
        "totalPositionMM": money(c.position_mm),
        "unrealisedPnl": money(c.unrealised),
        "cumRealisedPnl": money(c.cum_realised),
        "bonus": "0",
        "marginCollateral": True,
        "collateralSwitch": True,
        "spotBorrow": "0",
        "availableToWithdraw": "",
        "free": "",
    }
