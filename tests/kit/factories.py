"""Builders for the values tests need most often."""

from __future__ import annotations

from pathlib import Path

from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS

BTCUSDT = DEFAULT_INSTRUMENTS["BTCUSDT"]

SMALL_CONFIG = """\
mode: paper
replay:
  data: bundled
  speed: max
  end: "2023-03-02T00:00:00Z"
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "22000"
      upper: "24000"
      levels: 21
      spacing: arithmetic
      amount_per_level: "200"
"""


def write_config(directory: Path, text: str = SMALL_CONFIG, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


DCA_STRATEGY: dict[str, object] = {
    "kind": "dca",
    "base_order": "200",
    "safety_order": "200",
    "max_safety_orders": 5,
    "active_safety_orders": 2,
    "price_deviation": "1",
    "step_scale": "1.3",
    "volume_scale": "1.5",
    "take_profit": "1.2",
    "stop_loss": "12",
    "cooldown_candles": 30,
}
"""The DCA of `configs/dca.yaml` as a strategy mapping, for tests that build their configs."""
