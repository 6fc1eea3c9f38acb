"""Presets: one bot of a config, with chosen parameters, as a complete config file.

The file is what `traderagent run --config` and `traderagent backtest --config` accept: the
trading sections of the source config (mode, exchange, replay, paper, halt, risk, regime) and
that one bot with every strategy parameter written out. The sections that may hold a database
URL with its password or service settings (storage, api, telegram, tui) are left out, so the
defaults (or the environment) apply where the preset runs; nothing secret is written.

Overrides are dotted paths inside the bot, e.g. `{"strategy.levels": 31,
"strategy.amount_per_level": "250", "budget_pct": "50"}`; the result is validated like any
config, so a bad value is a ConfigError naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from traderagent.config import AppConfig, ConfigError

SECTIONS = ("mode", "exchange", "replay", "paper", "halt", "risk", "regime")
"""The config sections a preset carries besides its bot (each only where it differs from the
default)."""


def preset_config(
    config: AppConfig, bot: str, overrides: Mapping[str, Any] | None = None
) -> AppConfig:
    """`config` reduced to `bot`, with `overrides` applied (ConfigError for a bad one)."""
    return _validated(_preset_data(config, bot, overrides or {}))


def preset_yaml(
    config: AppConfig,
    bot: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    note: str = "",
) -> str:
    """The preset file's text: a comment saying where it came from, then the config."""
    data = _preset_data(config, bot, overrides or {})
    _validated(data)  # never write a file that would not load
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# TraderAgent preset: bot {bot}, exported {stamp}"]
    lines.extend(f"# {line}" for line in note.splitlines() if line.strip())
    lines.append("# Run it: traderagent run --config FILE, or traderagent backtest --config FILE")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body


def export_preset(
    config: AppConfig,
    bot: str,
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    note: str = "",
) -> Path:
    """Write the preset to `path` (parent folders created); the path written."""
    target = Path(path).expanduser()
    text = preset_yaml(config, bot, overrides, note=note)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def default_preset_path(bot: str, directory: Path | None = None) -> Path:
    """`<directory>/<bot>-<UTC time>.yaml`; by default under the user's config directory
    (`TRADERAGENT_CONFIG_DIR` or the platform's), in `presets/`."""
    if directory is None:
        from traderagent.paths import config_dir

        directory = config_dir() / "presets"
    return directory / f"{bot}-{datetime.now(UTC):%Y%m%d-%H%M%S}.yaml"


def _preset_data(config: AppConfig, bot: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    chosen = next((b for b in config.bots if b.name == bot), None)
    if chosen is None:
        names = ", ".join(b.name for b in config.bots)
        raise ConfigError(f"no bot named {bot!r} to export (bots: {names})")
    data: dict[str, Any] = {}
    for section in SECTIONS:
        if section in config.model_fields_set:
            data[section] = config.model_dump(mode="json", include={section})[section]
    bot_data = chosen.model_dump(mode="json", exclude_none=True)
    for path, value in overrides.items():
        _set(bot_data, path, value)
    data["bots"] = [bot_data]
    return data


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            raise ConfigError(f"override {path!r}: the bot has no section {part!r}")
        node = child
    node[leaf] = str(value) if isinstance(value, float) else value


def _validated(data: dict[str, Any]) -> AppConfig:
    try:
        return AppConfig.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in err.errors(include_url=False)
        )
        raise ConfigError(f"the preset would not load: {problems}") from None
