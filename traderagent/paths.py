"""Where TraderAgent keeps its files by default (overridable by flags and environment)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "traderagent"


def data_dir() -> Path:
    """`TRADERAGENT_DATA_DIR`, else the platform's user data directory."""
    override = os.environ.get("TRADERAGENT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def default_database_path() -> Path:
    return data_dir() / "traderagent.db"


def config_dir() -> Path:
    """`TRADERAGENT_CONFIG_DIR`, else the platform's user config directory."""
    override = os.environ.get("TRADERAGENT_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def encryption_key_path() -> Path:
    """The Fernet key file for exchange credentials, unless TRADERAGENT_ENCRYPTION_KEY is set."""
    return config_dir() / "encryption.key"
