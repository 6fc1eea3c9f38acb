"""One ccxt client and what the venue knows of its exchange: capabilities, markets, rules.

The parts of the venue (placing, the update poll, the account) share one session: the
capability table is read again once the markets are loaded (ccxt fills `has` then), and
every part sees the new one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from traderagent.domain import Instrument, Side
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.ccxt.capabilities import Capabilities, capabilities_of
from traderagent.exchanges.ccxt.client import ccxt_module, check_credentials, make_client
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.ccxt.orders import OrderLists
from traderagent.exchanges.ccxt.parse import Item, parse_instrument, symbol_of
from traderagent.exchanges.ccxt.reads import RetryingReads
from traderagent.exchanges.ports import ExchangeError


class CcxtSession:
    """The client (reads retried), its errors module, capabilities, markets and instruments."""

    def __init__(
        self, config: CcxtConfig, credentials: ApiCredentials | None, client: Any = None
    ) -> None:
        self.config = config
        self.name = f"ccxt-{config.exchange}"
        self.errors = ccxt_module("ccxt.base.errors")
        made = client if client is not None else make_client(config, credentials)
        self.client = RetryingReads(made, self.errors.NetworkError, self.name)
        self.caps: Capabilities = self.capabilities()
        if credentials is not None:
            check_credentials(self.caps, credentials)
        self.lists = OrderLists(self.client, self.caps)
        self.trading = credentials is not None or client is not None
        """It trades (keys, or a client given by a test): the poll and streams run."""
        self.markets: dict[str, Item] = {}
        self.instruments: dict[str, Instrument] = {}

    def capabilities(self) -> Capabilities:
        required = dict(getattr(self.client, "requiredCredentials", None) or {})
        features = getattr(self.client, "features", None)
        return capabilities_of(
            self.config.exchange,
            dict(self.client.has),
            required,
            dict(features) if isinstance(features, dict) else None,
            self.config.market,
        )

    async def load(self) -> None:
        """Load the markets (ExchangeError if they cannot be) and read the table again."""
        try:
            await self.client.load_markets()
        except self.errors.BaseError as err:
            raise ExchangeError(f"{self.config.exchange}: cannot load markets: {err}") from None
        self.caps = self.capabilities()
        self.lists.caps = self.caps
        self.markets = {symbol_of(m): m for m in self.client.markets.values() if self.traded(m)}

    def traded(self, market: Item) -> bool:
        if market.get("active") is False:
            return False
        if self.config.market == "spot":
            return bool(market.get("spot"))
        return bool(market.get("swap") and market.get("linear"))

    def market_id(self, symbol: str) -> str:
        try:
            return str(self.markets[symbol]["symbol"])
        except KeyError:
            raise ExchangeError(f"unknown symbol {symbol!r} on {self.config.exchange}") from None

    def instrument(self, symbol: str) -> Instrument:
        known = self.instruments.get(symbol)
        if known is not None:
            return known
        market = self.markets.get(symbol)
        if market is None:
            raise ExchangeError(
                f"unknown symbol {symbol!r} on {self.config.exchange} {self.config.market}"
            )
        inst = self.instruments[symbol] = parse_instrument(market, self.client.precisionMode)
        return inst

    def fee_asset(self, symbol: str, side: Side) -> str:
        """The coin a trade's fee is in when the trade does not say (the table's fee coin)."""
        inst = self.instruments.get(symbol)
        if inst is None:
            return ""
        base = self.config.market == "spot" and side is Side.BUY and self.caps.buy_fee_in_base
        return inst.base if base else inst.quote

    def taker_rate(self, symbol: str) -> Decimal:
        return Decimal(repr(float(self.markets[symbol].get("taker") or 0)))

    def now_ms(self) -> int:
        return int(self.client.milliseconds())
