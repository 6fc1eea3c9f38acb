"""`venue: ccxt` in a config: the shape, the account's name, and a lean install without ccxt."""

from __future__ import annotations

import pytest

from traderagent.config import ConfigError, parse_config
from traderagent.exchanges.ccxt import config as ccxt_config
from traderagent.wiring.runtime import account_name

BINANCE = """\
mode: live
exchange: {venue: ccxt, exchange: binance, sandbox: true, credentials: binance-test}
bots:
  - {name: g, symbol: BTCUSDT, strategy: {kind: grid, lower: "1", upper: "2", levels: 3,
     amount_per_level: "10"}}
"""


def test_a_binance_config_reads_and_names_its_account() -> None:
    config = parse_config(BINANCE, "c.yaml", {})
    assert config.exchange.venue == "ccxt"
    assert account_name(config) == "ccxt-binance-sandbox-spot-binance-test"


def test_an_id_that_is_no_ccxt_id_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="not a ccxt exchange id") as caught:
        parse_config(BINANCE.replace("exchange: binance", "exchange: Bin"), "c.yaml", {})
    assert "\n" not in str(caught.value).strip()


def test_without_ccxt_the_config_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ccxt_config.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install 'traderagent\[ccxt\]'") as caught:
        parse_config(BINANCE, "c.yaml", {})
    assert "\n" not in str(caught.value).strip()
