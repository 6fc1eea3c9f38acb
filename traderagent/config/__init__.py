"""Configuration: YAML with ${ENV} substitution, validated by frozen pydantic models."""

from traderagent.config.loader import ConfigError, default_config_path, load_config, parse_config
from traderagent.config.models import (
    AppConfig,
    BotConfig,
    HaltConfig,
    PaperConfig,
    ReplayConfig,
    StorageConfig,
)

__all__ = [
    "AppConfig",
    "BotConfig",
    "ConfigError",
    "HaltConfig",
    "PaperConfig",
    "ReplayConfig",
    "StorageConfig",
    "default_config_path",
    "load_config",
    "parse_config",
]
