"""What one exchange can do, as data: read from ccxt's `has` and markets plus known facts.

Nothing else in this package asks which exchange it is talking to: a difference between
exchanges is a field here. `KNOWN` holds what ccxt does not describe (client order id limits,
the coin a fee is charged in when a trade does not say), each from the exchange's API docs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

ALNUM = r"A-Za-z0-9"


@dataclass(frozen=True, slots=True)
class KnownFacts:
    """What the exchange's docs say and ccxt's `has` does not."""

    client_id_max: int
    """Longest client order id the exchange takes."""
    client_id_chars: str
    """The characters it allows in one (a regex character class body)."""
    buy_fee_in_base: bool
    """A spot buy's fee is charged in the coin received (base) when the trade does not say."""
    client_ids: bool = True
    """It keeps a client order id with the order and refuses a second *open* order with it
    (every exchange here lets a finished order's id be used again: the look-up before any
    resend is what keeps a resend of a filled order single)."""
    paginated: tuple[str, ...] = ()
    """The ccxt order-list methods that page the exchange's list when asked
    (`params={"paginate": True}`); the others read the exchange's first page (Bybit's is 20
    orders). Only methods whose ccxt code reads the flag: another sends it to the exchange."""
    create_params: tuple[tuple[str, str], ...] = ()
    """Exchange parameters sent with every create, to make a fact here true by request."""


DEFAULT_FACTS = KnownFacts(client_id_max=32, client_id_chars=ALNUM, buy_fee_in_base=False)
"""An exchange not in `KNOWN`: the most restrictive id (32 letters and digits), fee in quote."""

KNOWN: dict[str, KnownFacts] = {
    # https://bybit-exchange.github.io/docs/v5/order/create-order: orderLinkId "a max of 36
    # characters. Combinations of numbers, letters (upper and lower cases), dashes, and
    # underscores"; a spot trade's fee is charged in the coin received (execFeeCcy names it).
    # ccxt bybit.py:create_order_request sends clientOrderId as orderLinkId; its
    # fetch_open_orders and fetch_canceled_and_closed_orders read `paginate`.
    "bybit": KnownFacts(
        36,
        ALNUM + "_-",
        buy_fee_in_base=True,
        paginated=("fetchOpenOrders", "fetchCanceledAndClosedOrders"),
    ),
    # https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
    # (POST /api/v3/order): newClientOrderId "a unique id among open orders", matching
    # ^[\.A-Z\:/a-z0-9_-]{1,36}$ (the -1100 ILLEGAL_CHARS rule); commission is charged in
    # the asset received unless BNB pays it (the trade's commissionAsset says which).
    # ccxt binance.py:create_order_request sends clientOrderId as newClientOrderId unchanged
    # (a broker prefix only on ids it generates).
    "binance": KnownFacts(36, ALNUM + r"._:/-", buy_fee_in_base=True),
    # https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order: clOrdId "a
    # combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32
    # characters"; spot fees in the coin received (the fill's feeCcy). ccxt
    # okx.py:create_order_request ("up to 32 characters, must be unique") sends clientOrderId
    # as clOrdId; its fetch_open_orders and fetch_closed_orders read `paginate`, its
    # fetch_canceled_orders does not.
    "okx": KnownFacts(
        32,
        ALNUM,
        buy_fee_in_base=True,
        paginated=("fetchOpenOrders", "fetchClosedOrders"),
    ),
    # https://docs.kraken.com/api/docs/rest-api/add-order: cl_ord_id is a UUID or "free
    # text" of up to 18 characters (letters, digits, - and _ used here); oflags fcib "prefer
    # fee in base currency (default if selling)", fciq "prefer fee in quote currency (default
    # if buying)". ccxt kraken.py:parse_trade books every fee in the quote coin, so every
    # create asks for fciq: the fee is then in quote on both sides, as booked.
    # ccxt kraken.py:order_request sends clientOrderId as cl_ord_id.
    "kraken": KnownFacts(
        18, ALNUM + "_-", buy_fee_in_base=False, create_params=(("oflags", "fciq"),)
    ),
}

HANDLED_CREDENTIALS = frozenset({"apiKey", "secret", "password"})
"""The parts of a ccxt exchange's `requiredCredentials` this venue can give (`password` is
the passphrase of the stored key pair)."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """One exchange as this venue uses it (see the README's capability table)."""

    exchange: str
    amend: bool
    post_only: bool
    client_order_ids: bool
    client_id_max: int
    client_id_chars: str
    stop_orders: bool
    private_streams: bool
    buy_fee_in_base: bool
    history: tuple[str, ...]
    """The ccxt methods that list finished orders, in the order they are asked."""
    paginated: tuple[str, ...] = ()
    """The order-list methods ccxt is asked to page through (see `KnownFacts.paginated`)."""
    candle_stream: bool = False
    """ccxt.pro's `watch_ohlcv` is there: candles are streamed, else polled (`fetch_ohlcv`)."""
    balance_stream: bool = False
    """ccxt.pro's `watch_balance` is there: it says when to read the balances again."""
    """ccxt.pro's `watch_ohlcv` is there: candles are streamed, else polled (`fetch_ohlcv`)."""
    passphrase: bool = False
    """The exchange's API keys come with a passphrase (ccxt's `password`; OKX's)."""
    unsupported_credentials: tuple[str, ...] = ()
    """Credentials the exchange requires that a stored key pair cannot give (`uid`, ...)."""
    create_params: tuple[tuple[str, str], ...] = ()
    """Sent with every create (see `KnownFacts.create_params`)."""

    def wire_id(self, client_order_id: str) -> str:
        """The id sent for `client_order_id`: itself if the exchange takes it, else a stable
        digest of it in the exchange's alphabet (the same on every restart, so a resend of
        the same order carries the same id and is still refused as a duplicate)."""
        pattern = f"[{self.client_id_chars}]{{1,{self.client_id_max}}}"
        if re.fullmatch(pattern, client_order_id):
            return client_order_id
        digest = hashlib.sha256(client_order_id.encode()).hexdigest()
        keep = re.sub(f"[^{ALNUM}]", "", client_order_id)[: max(0, self.client_id_max - 20)]
        return (keep + digest)[: self.client_id_max]

    def streams_row(self) -> str:
        """The private streams used, or how the account is read without them."""
        used = ["watch_orders", "watch_my_trades"] if self.private_streams else []
        used += ["watch_balance"] if self.balance_stream else []
        return " + ".join(used) or "REST polling"

    def rows(self) -> list[tuple[str, str]]:
        """The table's row for people: capability, value."""
        yes = {True: "yes", False: "no"}
        return [
            ("amend", yes[self.amend]),
            ("post-only", yes[self.post_only]),
            (
                "client order ids",
                f"max {self.client_id_max} [{self.client_id_chars}]"
                if self.client_order_ids
                else "no (looked up before any resend)",
            ),
            ("stop orders", yes[self.stop_orders]),
            ("private streams", self.streams_row()),
            ("spot buy fee coin", "base (coin received)" if self.buy_fee_in_base else "quote"),
            ("candles", "watch_ohlcv" if self.candle_stream else "fetch_ohlcv polling"),
            ("passphrase", yes[self.passphrase]),
        ]


def trigger_orders(has: dict[str, Any], features: dict[str, Any] | None, market: str) -> bool:
    """Whether a create with `triggerPrice` is a stop order on this market type: ccxt's
    `features` table says so where it has one (Kraken's spot has `createStopOrder` but reads
    only `stopLossPrice`: a `triggerPrice` there would be a plain market order), else
    `has['createTriggerOrder']`."""
    line = (features or {}).get(market)
    if isinstance(line, dict) and market == "swap":
        line = line.get("linear")
    create = line.get("createOrder") if isinstance(line, dict) else None
    if isinstance(create, dict):
        return create.get("triggerPrice") is True
    return bool(has.get("createTriggerOrder"))


def capabilities_of(
    exchange_id: str,
    has: dict[str, Any],
    required: dict[str, Any] | None = None,
    features: dict[str, Any] | None = None,
    market: str = "spot",
) -> Capabilities:
    """The capabilities of a ccxt exchange from its `has` table (a ccxt.pro class's `has`
    names its `watch*` methods), its `requiredCredentials`, its `features` for `market`
    (spot or swap) and `KNOWN`."""
    facts = KNOWN.get(exchange_id, DEFAULT_FACTS)
    needed = {name for name, value in (required or {}).items() if value}
    history: tuple[str, ...]
    if has.get("fetchCanceledAndClosedOrders"):
        history = ("fetchCanceledAndClosedOrders",)
    else:
        history = tuple(n for n in ("fetchClosedOrders", "fetchCanceledOrders") if has.get(n))
        if "fetchCanceledOrders" not in history and has.get("fetchOrders"):
            history = (*history, "fetchOrders")  # cancelled orders are listed there
    return Capabilities(
        exchange=exchange_id,
        amend=bool(has.get("editOrder")),
        post_only=bool(has.get("createPostOnlyOrder")),
        client_order_ids=facts.client_ids,
        client_id_max=facts.client_id_max,
        client_id_chars=facts.client_id_chars,
        stop_orders=trigger_orders(has, features, market),
        private_streams=bool(has.get("watchOrders") and has.get("watchMyTrades")),
        buy_fee_in_base=facts.buy_fee_in_base,
        history=history,
        paginated=facts.paginated,
        candle_stream=bool(has.get("watchOHLCV")),
        balance_stream=bool(has.get("watchBalance")),
        passphrase="password" in needed,
        unsupported_credentials=tuple(sorted(needed - HANDLED_CREDENTIALS)),
        create_params=facts.create_params,
    )
