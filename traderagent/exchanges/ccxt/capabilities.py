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
    """It keeps a client order id with the order and refuses a second open order with it."""
    paginate: bool = False
    """ccxt pages its open and finished order lists (`params={"paginate": True}`); without
    it a list is the exchange's first page (Bybit's is 20 orders)."""


DEFAULT_FACTS = KnownFacts(client_id_max=32, client_id_chars=ALNUM, buy_fee_in_base=False)
"""An exchange not in `KNOWN`: the most restrictive id (32 letters and digits), fee in quote."""

KNOWN: dict[str, KnownFacts] = {
    # Bybit V5 /v5/order/create: orderLinkId max 36, letters, digits, - and _; spot fees are
    # charged in the coin received
    "bybit": KnownFacts(36, ALNUM + "_-", buy_fee_in_base=True, paginate=True),
    # Binance spot POST /api/v3/order: newClientOrderId matches ^[\.A-Z\:/a-z0-9_-]{1,36}$;
    # commission is charged in the asset received (without BNB fee payment)
    "binance": KnownFacts(36, ALNUM + r"._:/-", buy_fee_in_base=True),
    # OKX POST /api/v5/trade/order: clOrdId up to 32 letters and digits; fees in the coin received
    "okx": KnownFacts(32, ALNUM, buy_fee_in_base=True, paginate=True),
    # Kraken AddOrder: cl_ord_id is a UUID or free text of up to 18 characters; spot fees
    # default to the quote currency (oflags fciq)
    "kraken": KnownFacts(18, ALNUM + "_-", buy_fee_in_base=False),
}


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
    paginate: bool = False
    """Ask ccxt for every page of an order list (see `KnownFacts.paginate`)."""

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
            (
                "private streams",
                "watch_orders + watch_my_trades" if self.private_streams else "REST polling",
            ),
            ("spot buy fee coin", "base (coin received)" if self.buy_fee_in_base else "quote"),
        ]


def capabilities_of(exchange_id: str, has: dict[str, Any]) -> Capabilities:
    """The capabilities of a ccxt exchange from its `has` table (a ccxt.pro class's `has`
    names its `watch*` methods) and `KNOWN`."""
    facts = KNOWN.get(exchange_id, DEFAULT_FACTS)
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
        stop_orders=bool(has.get("createStopOrder") or has.get("createTriggerOrder")),
        private_streams=bool(has.get("watchOrders") and has.get("watchMyTrades")),
        buy_fee_in_base=facts.buy_fee_in_base,
        history=history,
        paginate=facts.paginate,
    )
