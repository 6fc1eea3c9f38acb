"""OKX wants a passphrase with its key (ccxt's `requiredCredentials.password`): a key pair
with one reaches ccxt as `password`; a config whose key pair lacks it stops at launch in one
line that says how to add it. Which exchanges want one is ccxt's table, not a list here."""

from __future__ import annotations

from typing import Any

import pytest

from traderagent.config import ConfigError, parse_config
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.ccxt.capabilities import capabilities_of
from traderagent.exchanges.ccxt.client import CredentialsIncomplete
from traderagent.wiring.credentials import passphrase_env_name, resolve_credentials
from traderagent.wiring.live_venues import ccxt_venue

ccxt = pytest.importorskip("ccxt")

OKX = """\
mode: live
exchange: {venue: ccxt, exchange: okx, credentials: okx-main}
bots:
  - {name: g, symbol: BTCUSDT, strategy: {kind: grid, lower: "1", upper: "2", levels: 3,
     amount_per_level: "10"}}
"""


def caps_of(exchange_id: str) -> Any:
    made = getattr(ccxt, exchange_id)()
    return capabilities_of(exchange_id, dict(made.has), dict(made.requiredCredentials))


def test_the_capability_table_takes_the_passphrase_from_ccxts_required_credentials() -> None:
    wanting = {x for x in ("okx", "binance", "kraken", "bybit", "kucoin") if caps_of(x).passphrase}
    assert wanting == {
        x
        for x in ("okx", "binance", "kraken", "bybit", "kucoin")
        if getattr(ccxt, x)().requiredCredentials.get("password")
    }
    assert "okx" in wanting and "binance" not in wanting


async def test_a_passphrase_reaches_ccxt_as_password_and_is_never_shown() -> None:
    creds = ApiCredentials("okx-key-0123456789", "okx-secret-abcdef", "phrase-never-shown")
    exchange = CcxtExchange(CcxtConfig(exchange="okx"), creds)
    try:
        assert exchange.client.password == "phrase-never-shown"
        assert exchange.caps.passphrase
    finally:
        await exchange.client.close()
    assert "phrase-never-shown" not in repr(creds) and "passphrase='***'" in repr(creds)


async def test_without_one_the_venue_refuses_before_any_request() -> None:
    with pytest.raises(CredentialsIncomplete, match="okx requires an API passphrase"):
        CcxtExchange(CcxtConfig(exchange="okx"), ApiCredentials("k" * 12, "s" * 12))


async def test_an_okx_config_without_a_passphrase_stops_at_launch_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADERAGENT_OKX_MAIN_API_KEY", "okx-key-0123456789")
    monkeypatch.setenv("TRADERAGENT_OKX_MAIN_API_SECRET", "okx-secret-abcdef")
    monkeypatch.delenv(passphrase_env_name("okx-main"), raising=False)
    config = parse_config(OKX, "c.yaml", {})
    assert isinstance(config.exchange, CcxtConfig)
    with pytest.raises(ConfigError) as caught:
        await ccxt_venue(config, config.exchange, None)  # type: ignore[arg-type]  # env keys
    message = str(caught.value)
    assert message.startswith("exchange.credentials 'okx-main': okx requires an API passphrase")
    assert "--passphrase" in message and "TRADERAGENT_OKX_MAIN_API_PASSPHRASE" in message
    assert "\n" not in message and "okx-secret" not in message


async def test_the_environment_gives_the_passphrase_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADERAGENT_OKX_MAIN_API_KEY", "okx-key-0123456789")
    monkeypatch.setenv("TRADERAGENT_OKX_MAIN_API_SECRET", "okx-secret-abcdef")
    monkeypatch.setenv("TRADERAGENT_OKX_MAIN_API_PASSPHRASE", "phrase-from-env")
    creds = await resolve_credentials("okx-main", None)  # type: ignore[arg-type]  # env only
    assert creds.passphrase == "phrase-from-env"
    monkeypatch.delenv("TRADERAGENT_OKX_MAIN_API_PASSPHRASE")
    assert (await resolve_credentials("okx-main", None)).passphrase is None  # type: ignore[arg-type]
