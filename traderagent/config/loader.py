"""Load a YAML config: substitute ${VAR} / ${VAR:-default}, validate, explain errors in one go."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from traderagent.config.models import STRATEGY_KINDS, AppConfig

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
DEFAULT_CONFIG_NAME = "default.yaml"
MAX_DEPTH = 32
"""Settings nest a few levels deep; deeper is not a config (and would exhaust the stack)."""
MAX_NODES = 100_000
"""Values in a config once its YAML aliases are expanded: an alias bomb stops here."""
SHOWN = 60
"""A longer rejected value is cut short when it is quoted in an error."""
MAX_AMOUNT = Decimal(10) ** 15
"""No price, amount or limit in a config is this large: beyond it exact arithmetic on ticks
and lots runs out of digits (a quadrillion USDT is far past any market)."""
"""A longer rejected value is cut short when it is quoted in an error."""


class ConfigError(Exception):
    """A config the user must fix. The message names the file, the field path and the problem."""


class _TooDeep(yaml.YAMLError):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing nesting past MAX_DEPTH while it composes (before the stack
    runs out, and before a deep document costs seconds)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep()
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def default_config_path() -> Path:
    return Path(str(resources.files("traderagent.config") / "defaults" / DEFAULT_CONFIG_NAME))


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    source = Path(path) if path is not None else default_config_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found") from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{source}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset "
            f"{err.start}): save the config as UTF-8"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{source}: is a directory, not a config file") from None
    except OSError as err:
        raise ConfigError(f"{source}: cannot read ({err.strerror})") from None
    return parse_config(text, str(source), os.environ if env is None else env)


def parse_config(text: str, source: str, env: Mapping[str, str]) -> AppConfig:
    try:
        raw = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader, bounded
    except (_TooDeep, RecursionError):
        raise ConfigError(f"{source}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: invalid YAML: {_yaml_problem(err)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of settings")
    _check_size(raw, source)
    data = _substitute(raw, env, source, ())
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_explain(err, source)) from None
    _check_amounts(config, source)
    return config


def _check_amounts(config: AppConfig, source: str) -> None:
    """Refuse a decimal setting of MAX_AMOUNT or more (in size), naming where it is."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(config, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, Decimal) and abs(value) >= MAX_AMOUNT:
            raise ConfigError(
                f"{source}: {_format_path(path)}: {_shown(str(value))} is out of range "
                f"(amounts and prices are below {MAX_AMOUNT:.0e})"
            )
        if isinstance(value, BaseModel):
            stack.extend((getattr(value, name), (*path, name)) for name in type(value).model_fields)
        elif isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))


def _check_size(raw: Any, source: str) -> None:
    """Refuse a value nested deeper than MAX_DEPTH or holding more than MAX_NODES values, each
    alias counted every time it is used (so a YAML alias bomb is refused, not expanded)."""
    stack: list[tuple[Any, int]] = [(raw, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ConfigError(
                f"{source}: too large: more than {MAX_NODES} values once YAML aliases are "
                "expanded (an alias repeated inside aliases?)"
            )
        if depth > MAX_DEPTH:
            raise ConfigError(f"{source}: nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _substitute(value: Any, env: Mapping[str, str], source: str, path: tuple[Any, ...]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(
                f"{source}: {_format_path(path)}: environment variable {name} is not set "
                f"(set it, or write ${{{name}:-default}})"
            )

        return _ENV.sub(replace, value)
    if isinstance(value, dict):
        return {k: _substitute(v, env, source, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, source, (*path, i)) for i, v in enumerate(value)]
    return value


def _explain(err: ValidationError, source: str) -> str:
    lines = []
    for problem in err.errors(include_url=False):
        loc = tuple(p for p in problem["loc"] if not _is_union_tag(p))
        where = _format_path(loc)
        message = problem["msg"]
        # a rule about a whole section would echo the section back: the message says enough
        quoted = "input" in problem and not isinstance(problem["input"], dict)
        quoted = quoted and not _is_secret(loc)
        if problem["type"] not in ("missing", "extra_forbidden") and quoted:
            message = f"{message} (got {_shown(problem['input'])})"
        if problem["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling; see configs/ for examples)"
        lines.append(f"{source}: {where}: {message}")
    return "\n".join(lines)


def _is_secret(loc: tuple[Any, ...]) -> bool:
    """A field whose value may hold a password or a key: never quoted back."""
    name = str(loc[-1]).lower() if loc else ""
    return any(word in name for word in ("url", "password", "secret", "token", "key"))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or part in STRATEGY_KINDS)


def _format_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
