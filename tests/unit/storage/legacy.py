"""The database of the version before migrations: its frozen schema and a few sample rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DATA = Path(__file__).parent / "data"
LEGACY_ROWS = [
    "INSERT INTO bots (name, symbol, strategy, state, config, created_ms, updated_ms)"
    " VALUES ('grid-btc', 'BTCUSDT', 'grid', 'RUNNING', '{\"levels\": 41}', 1000, 2000)",
    "INSERT INTO orders (client_order_id, bot, seq, symbol, side, type, qty, price, status,"
    " filled_qty, avg_fill_price, exchange_order_id, reject_reason, tag, created_ms, updated_ms)"
    " VALUES ('grid-btc-7', 'grid-btc', 7, 'BTCUSDT', 'Buy', 'Limit', '0.008658', '23100',"
    " 'New', '0', NULL, 'ex-1', '', 's7', 1000, 1000)",
    "INSERT INTO fills (fill_id, client_order_id, bot, symbol, side, price, qty, fee, fee_asset,"
    " liquidity, tag, ts) VALUES ('f-1', 'grid-btc-6', 'grid-btc', 'BTCUSDT', 'Buy', '23142.31',"
    " '0.14975', '1.906059', 'USDT', 'Taker', 's6', 1500)",
]


def statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [part.strip() for part in body.split(";") if part.strip()]


def make_legacy_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        for statement in statements((DATA / "legacy_schema.sqlite.sql").read_text()):
            raw.execute(statement)
        for row in LEGACY_ROWS:
            raw.execute(row)
    raw.close()
