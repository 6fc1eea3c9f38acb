"""The account's history reads: `position/closed-pnl` and `account/transaction-log`.

Both are derived from the ledger's executions on each query (see `closed_pnl` and
`transaction_log`), in market (replay) time, and paged like the other lists.
"""

from __future__ import annotations

from collections.abc import Mapping

from traderagent.exchanges.emulator import closed_pnl, queries, transaction_log
from traderagent.exchanges.emulator.core import EmulatorCore
from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.gateway import Result

Params = Mapping[str, str]
DAY_MS = 86_400_000


class HistoryEndpoints:
    """GET /v5/position/closed-pnl and GET /v5/account/transaction-log."""

    def __init__(self, core: EmulatorCore) -> None:
        self._core = core

    def closed_pnl(self, params: Params) -> Result:
        category = params.get("category", "")
        if category != "linear":
            raise params_error("Illegal category: the emulator has positions on linear only")
        ledger = self._core.ledger
        symbol = params.get("symbol", "")
        if symbol and ledger.rules_for("linear", symbol) is None:
            raise params_error(f"params error: symbol invalid ({symbol!r})")
        start, end = queries.time_window(params, self._core.now_ms())
        records = closed_pnl.select(closed_pnl.closed_records(ledger.executions()), symbol,
                                    start, end)  # fmt: skip
        page, cursor = queries.page(records, params, 50, 100)
        items = [
            closed_pnl.closed_pnl_json(
                r, ledger.order(r.order_id), ledger.linear.position(r.symbol).leverage
            )
            for r in page
        ]
        return {"category": category, "list": items, "nextPageCursor": cursor}

    def transaction_log(self, params: Params) -> Result:
        if params.get("accountType", "UNIFIED") != "UNIFIED":
            raise params_error("accountType only support UNIFIED")
        now = self._core.now_ms()
        if params.get("startTime") or params.get("endTime"):
            start, end = queries.time_window(params, now)
        else:
            start, end = now - DAY_MS, now  # as Bybit: the last 24 hours by default
        ledger = self._core.ledger
        entries = transaction_log.transactions(ledger.opening_balances, ledger.executions())
        found = transaction_log.select(entries, params, start, end)
        page, cursor = queries.page(found, params, 20, 50)
        items = [transaction_log.transaction_json(t) for t in page]
        return {"list": items, "nextPageCursor": cursor}
