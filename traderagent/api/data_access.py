"""Which candle data a config sent over the API may read: the bundled sample, the candle store,
or a file inside the data directory. Anything else (a path anywhere on the host) is refused,
so a token holder cannot make the daemon read, and quote, a file it was not meant to."""

from __future__ import annotations

from pathlib import Path

from traderagent.config import AppConfig, ConfigError
from traderagent.marketdata.store import STORE_PREFIX
from traderagent.paths import data_dir

SHOWN = 80
"""A longer path is cut short in the refusal (it is echoed back, not trusted)."""


def check_sent_data(config: AppConfig, root: Path | None = None) -> None:
    """ConfigError unless `config.replay.data` is `bundled`, `store:...` or a file under `root`
    (default: the data directory), symbolic links resolved."""
    data = config.replay.data
    if data == "bundled" or data.startswith(STORE_PREFIX):
        return
    root = (root or data_dir()).resolve()
    try:
        inside = Path(data).expanduser().resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):
        inside = False
    if not inside:
        shown = data if len(data) <= SHOWN else data[:SHOWN] + "…"
        raise ConfigError(
            f"replay.data {shown!r} is outside the data directory {root}: a config sent to the "
            "API reads `bundled`, `store:SYMBOL-INTERVAL` or a file in that directory"
        )
