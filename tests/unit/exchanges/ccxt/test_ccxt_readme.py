"""The README's ccxt section stays true: its capability table is what the generator prints
from the installed ccxt, and each config it shows reads as a valid config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from traderagent.config import parse_config
from traderagent.exchanges.ccxt.config import CcxtConfig

pytest.importorskip("ccxt.pro")

README = Path(__file__).resolve().parents[4] / "README.md"


def section() -> str:
    text = README.read_text()
    return text[text.index("## Other exchanges (ccxt)") : text.index("## Going further")]


def test_the_capability_table_is_the_generators_output() -> None:
    from traderagent.exchanges.ccxt.table import markdown

    assert markdown() in section()


def test_every_config_shown_reads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", section(), flags=re.DOTALL)
    exchanges = []
    for block in blocks:
        config = parse_config(block, "README.md", {})
        assert isinstance(config.exchange, CcxtConfig)
        exchanges.append(config.exchange.exchange)
    assert {"binance", "kraken", "okx"} <= set(exchanges)
