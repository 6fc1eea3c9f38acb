"""The REST endpoints: market data (public) and trade, account and position (private).

Each handler takes the request's parameters and returns the envelope's `result`; the
`gateway` pipeline does faults, auth, budgets and the envelope around it.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.routing import Route

from traderagent.exchanges.emulator import queries, wire
from traderagent.exchanges.emulator.account_history import HistoryEndpoints
from traderagent.exchanges.emulator.account_info import AccountSettings
from traderagent.exchanges.emulator.amend import OrderAmender
from traderagent.exchanges.emulator.batch import BatchDesk
from traderagent.exchanges.emulator.book import depth_book, depth_limit
from traderagent.exchanges.emulator.core import EmulatorCore
from traderagent.exchanges.emulator.entry import category_of, listing_category
from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.funding_history import PATH as FUNDING_HISTORY
from traderagent.exchanges.emulator.funding_history import funding_history
from traderagent.exchanges.emulator.gateway import Result, private_get, private_post, public_get
from traderagent.exchanges.emulator.instruments import MarketRules, instrument_item
from traderagent.exchanges.emulator.quotes import Bar, bars, interval_ms, ticker_item, top_of_book

Params = Mapping[str, str]


class MarketEndpoints:
    """GET /v5/market/*: time, tickers, kline, instruments-info."""

    def __init__(self, core: EmulatorCore) -> None:
        self._core = core

    def time(self, _params: Params) -> Result:
        wall = self._core.wall_ms()
        return {"timeSecond": str(wall // 1000), "timeNano": str(wall * 1_000_000)}

    def tickers(self, params: Params) -> Result:
        category = listing_category(params)
        listed = self._listed(category, params.get("symbol", ""))
        now = self._core.now_ms()
        items = []
        for rules in listed:
            closed = self._core.replay.closed(rules.symbol)
            last, volume = float(closed.close[-1]), float(closed.volume[-1])
            book = top_of_book(rules.instrument, last, volume, self._core.spread_bps)
            items.append(
                ticker_item(category, rules.instrument, closed, book, now, self._core.funding_rate)
            )
        return {"category": category, "list": items}

    def kline(self, params: Params) -> Result:
        category, symbol, found = self._bars(params)
        return {"category": category, "symbol": symbol, "list": [b.row() for b in found]}

    def mark_price_kline(self, params: Params) -> Result:
        """The mark price is the last price here: kline rows without volume and turnover."""
        category, symbol, found = self._bars(params)
        return {"category": category, "symbol": symbol, "list": [b.row()[:5] for b in found]}

    def orderbook(self, params: Params) -> Result:
        category = listing_category(params)
        symbol = params.get("symbol", "")
        if not symbol:
            raise params_error("symbol is required")
        limit = depth_limit(category, params.get("limit", ""))
        rules = self._listed(category, symbol)[0]
        closed = self._core.replay.closed(rules.symbol)
        last, volume = float(closed.close[-1]), float(closed.volume[-1])
        book = depth_book(rules.instrument, last, volume, self._core.spread_bps, limit)
        now = self._core.now_ms()
        return {
            "s": symbol,
            "b": book.side_json(book.bids),
            "a": book.side_json(book.asks),
            "ts": now,
            "u": self._core.replay.cursor,
            "seq": self._core.replay.cursor,
            "cts": now,
        }

    def _bars(self, params: Params) -> tuple[str, str, list[Bar]]:
        """Kline buckets a query asks for, newest first."""
        category = category_of({"category": params.get("category") or "linear"})
        symbol = params.get("symbol", "")
        if not symbol:
            raise params_error("symbol is required")
        rules = self._listed(category, symbol)[0]
        length = interval_ms(params.get("interval", ""), self._core.replay.interval_ms)
        start, end = _ms(params, "start"), _ms(params, "end")
        limit = queries.limit_of(params, 200, 1000)
        closed = self._core.replay.closed(rules.symbol)
        return category, symbol, list(reversed(bars(closed, length, start, end, limit)))

    def instruments(self, params: Params) -> Result:
        category = listing_category(params)
        listed = self._listed(category, params.get("symbol", ""))
        if params.get("status", "Trading") != "Trading":
            listed = []
        base = params.get("baseCoin", "")
        items = [instrument_item(r) for r in listed if not base or r.instrument.base == base]
        if category == "spot":
            return {"category": category, "list": items, "nextPageCursor": ""}
        page, cursor = queries.page(items, params, 500, 1000)
        return {"category": category, "list": page, "nextPageCursor": cursor}

    def _listed(self, category: str, symbol: str) -> list[MarketRules]:
        if not symbol:
            return self._core.ledger.rules(category)
        rules = self._core.ledger.rules_for(category, symbol)
        if rules is None:
            raise params_error(f"Not supported symbols: {symbol!r}")
        return [rules]


class AccountEndpoints:
    """Private GETs: orders, executions, wallet and positions."""

    def __init__(self, core: EmulatorCore) -> None:
        self._core = core

    def realtime(self, params: Params) -> Result:
        category = category_of(params)
        found = queries.realtime_orders(self._core.ledger.orders(), category, params)
        page, cursor = queries.page(found, params, 20, 50)
        items = [wire.order_json(o) for o in page]
        return {"category": category, "list": items, "nextPageCursor": cursor}

    def history(self, params: Params) -> Result:
        category = category_of(params)
        now = self._core.now_ms()
        found = queries.history_orders(self._core.ledger.orders(), category, params, now)
        page, cursor = queries.page(found, params, 20, 50)
        items = [wire.order_json(o) for o in page]
        return {"category": category, "list": items, "nextPageCursor": cursor}

    def executions(self, params: Params) -> Result:
        category = category_of(params)
        now = self._core.now_ms()
        found = queries.executions(self._core.ledger.executions(), category, params, now)
        page, cursor = queries.page(found, params, 50, 100)
        items = [wire.execution_json(e) for e in page]
        return {"category": category, "list": items, "nextPageCursor": cursor}

    def wallet(self, params: Params) -> Result:
        if params.get("accountType") != "UNIFIED":
            raise params_error("accountType only support UNIFIED")
        coins = [c for c in params.get("coin", "").split(",") if c] or None
        return {"list": [self._core.ledger.wallet_item(coins)]}

    def positions(self, params: Params) -> Result:
        if params.get("category") != "linear":
            raise params_error("Illegal category: the emulator has positions on linear only")
        symbol, settle = params.get("symbol", ""), params.get("settleCoin", "")
        if not symbol and not settle:
            raise params_error("symbol or settleCoin is required")
        ledger = self._core.ledger
        if symbol and ledger.rules_for("linear", symbol) is None:
            raise params_error(f"params error: symbol invalid ({symbol!r})")
        listed = [
            r.symbol
            for r in ledger.rules("linear")
            if (r.symbol == symbol if symbol else r.instrument.quote == settle)
            and (symbol or ledger.linear.position(r.symbol).size)
        ]
        page, cursor = queries.page(listed, params, 20, 200)
        items = [ledger.position_item(s) for s in page]
        return {"category": "linear", "list": items, "nextPageCursor": cursor}


def routes(core: EmulatorCore) -> list[Route]:
    market, account, desk = MarketEndpoints(core), AccountEndpoints(core), core.desk
    settings = AccountSettings(core.ledger, core.credentials)
    history = HistoryEndpoints(core)
    gets = {
        "/v5/user/query-api": settings.api_key_info,
        "/v5/account/info": settings.account_info,
        "/v5/asset/coin/query-info": settings.coin_info,
        "/v5/account/fee-rate": settings.fee_rate,
        "/v5/order/realtime": account.realtime,
        "/v5/order/history": account.history,
        "/v5/execution/list": account.executions,
        "/v5/account/wallet-balance": account.wallet,
        "/v5/position/list": account.positions,
        "/v5/position/closed-pnl": history.closed_pnl,
        "/v5/account/transaction-log": history.transaction_log,
    }
    amender = OrderAmender(core.ledger)
    batch = BatchDesk(core.now_ms, desk.create, amender.amend, desk.cancel)
    posts = {
        "/v5/order/create": desk.create,
        "/v5/order/amend": amender.amend,
        "/v5/order/cancel": desk.cancel,
        "/v5/order/cancel-all": desk.cancel_all,
        "/v5/order/create-batch": batch.create,
        "/v5/order/amend-batch": batch.amend,
        "/v5/order/cancel-batch": batch.cancel,
        "/v5/position/set-leverage": desk.set_leverage,
    }
    public = {
        "/v5/market/time": market.time,
        "/v5/market/tickers": market.tickers,
        "/v5/market/kline": market.kline,
        "/v5/market/mark-price-kline": market.mark_price_kline,
        "/v5/market/orderbook": market.orderbook,
        "/v5/market/instruments-info": market.instruments,
        FUNDING_HISTORY: lambda params: funding_history(core, params),
    }
    return [
        *(Route(p, public_get(core, h), methods=["GET"]) for p, h in public.items()),
        *(Route(p, private_get(core, h), methods=["GET"]) for p, h in gets.items()),
        *(Route(p, private_post(core, h), methods=["POST"]) for p, h in posts.items()),
    ]


def _ms(params: Params, name: str) -> int | None:
    text = params.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise params_error(f"{name} must be epoch milliseconds, got {text!r}")
    return int(text)
