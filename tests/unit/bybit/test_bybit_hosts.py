"""Regional mainnet sites and a custom environment with stream hosts of its own."""

from __future__ import annotations

import pydantic
import pytest

from traderagent.config import ConfigError, parse_config
from traderagent.exchanges.bybit import BybitConfig
from traderagent.exchanges.bybit.hosts import MAINNET


@pytest.mark.parametrize(
    ("region", "rest", "stream"),
    [
        ("global", "https://api.bybit.com", "wss://stream.bybit.com"),
        ("bytick", "https://api.bytick.com", "wss://stream.bybit.com"),
        ("nl", "https://api.bybit.nl", "wss://stream.bybit.com"),
        ("tr", "https://api.bybit-tr.com", "wss://stream.bybit-tr.com"),
        ("kz", "https://api.bybit.kz", "wss://stream.bybit.kz"),
        ("ge", "https://api.bybitgeorgia.ge", "wss://stream.bybitgeorgia.ge"),
        ("ae", "https://api.bybit.ae", "wss://stream.bybit.com"),
        ("eu", "https://api.bybit.eu", "wss://stream.bybit.com"),
        ("id", "https://api.bybit.id", "wss://stream.bybit.com"),
    ],
)
def test_each_mainnet_site_has_its_rest_and_stream_hosts(
    region: str, rest: str, stream: str
) -> None:
    hosts = BybitConfig(env="mainnet", region=region).hosts  # type: ignore[arg-type]
    assert hosts.rest == rest
    assert hosts.public_ws("spot") == f"{stream}/v5/public/spot"
    assert hosts.private_ws == f"{stream}/v5/private"


def test_the_default_site_is_the_global_one() -> None:
    assert BybitConfig(env="mainnet").hosts == MAINNET


def test_a_custom_environment_takes_its_own_stream_hosts() -> None:
    config = BybitConfig(
        env="custom",
        rest_url="https://gw.example:8443/",
        ws_public_url="wss://md.example",
        ws_private_url="wss://priv.example:9443/v5/private",
    )
    hosts = config.hosts
    assert hosts.rest == "https://gw.example:8443"
    assert hosts.public_ws("linear") == "wss://md.example/v5/public/linear"
    assert hosts.private_ws == "wss://priv.example:9443/v5/private"
    templated = BybitConfig(
        env="custom", url="http://127.0.0.1:8900", ws_public_url="ws://127.0.0.1:9000/{category}"
    ).hosts
    assert templated.public_ws("spot") == "ws://127.0.0.1:9000/spot"
    assert templated.private_ws == "ws://127.0.0.1:8900/v5/private"  # from the REST host


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"env": "demo", "region": "eu"}, "region 'eu' is a mainnet site"),
        ({"env": "custom", "url": "http://x:1", "region": "kz"}, "region is for env 'mainnet'"),
        ({"env": "mainnet", "ws_public_url": "wss://x"}, "only used with env 'custom'"),
        ({"env": "custom", "url": "http://x:1", "ws_private_url": "http://x:2"}, "ws_private_url"),
        ({"env": "mainnet", "region": "us"}, "region"),
    ],
)
def test_hosts_that_do_not_fit_are_refused_with_the_reason(
    fields: dict[str, str], message: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        BybitConfig(**fields)  # type: ignore[arg-type]


def test_a_config_file_names_the_site_and_the_stream_hosts() -> None:
    text = """
mode: live
exchange:
  venue: bybit
  env: custom
  rest_url: http://127.0.0.1:8900
  ws_public_url: ws://127.0.0.1:8901
  ws_private_url: ws://127.0.0.1:8902/v5/private
  category: spot
bots:
  - name: grid
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 5, amount_per_level: "100"}
"""
    exchange = parse_config(text, "test.yaml", {}).exchange
    assert isinstance(exchange, BybitConfig)
    assert exchange.hosts.public_ws("spot") == "ws://127.0.0.1:8901/v5/public/spot"
    assert exchange.hosts.private_ws == "ws://127.0.0.1:8902/v5/private"
    with pytest.raises(ConfigError, match="region"):
        parse_config(text.replace("env: custom", "env: mainnet\n  region: mars"), "t", {})
