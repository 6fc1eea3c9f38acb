"""The capability table as the README shows it, generated from the installed ccxt:

    python -m traderagent.exchanges.ccxt.table binance okx kraken bybit coinbase

Each exchange's class is the one the venue uses with streams on (ccxt.pro's where it has
the exchange), on spot, so the table says what a default config gets. A test keeps the README's copy
equal to this output.
"""

from __future__ import annotations

import sys

from traderagent.exchanges.ccxt.capabilities import KNOWN, Capabilities, capabilities_of
from traderagent.exchanges.ccxt.client import exchange_class

README_EXCHANGES = ("binance", "okx", "kraken", "bybit", "coinbase")
"""The rows of the README's table: the three the issue names, Bybit, and one not in `KNOWN`."""


def capabilities(exchange_id: str) -> Capabilities:
    made = exchange_class(exchange_id, streams=True)()
    required, features = dict(made.requiredCredentials), dict(made.features or {})
    return capabilities_of(exchange_id, dict(made.has), required, features, "spot")


def markdown(exchange_ids: tuple[str, ...] = README_EXCHANGES) -> str:
    """One row per exchange, one column per capability (`Capabilities.rows`)."""
    table = [(x, capabilities(x).rows()) for x in exchange_ids]
    heads = ["exchange", *(name for name, _ in table[0][1])]
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in heads) + "|"]
    for exchange_id, rows in table:
        name = exchange_id if exchange_id in KNOWN else f"{exchange_id} (not in `KNOWN`)"
        cells = [name, *(value.replace("|", "\\|") for _, value in rows)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(tuple(sys.argv[1:]) or README_EXCHANGES))
