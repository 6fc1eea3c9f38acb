"""Load a YAML config: substitute ${VAR} / ${VAR:-default}, validate, explain errors in one go."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from traderagent.config.models import STRATEGY_KINDS, AppConfig

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
DEFAULT_CONFIG_NAME = "default.yaml"


class ConfigError(Exception):
    """A config the user must fix. The message names the file, the field path and the problem."""


def default_config_path() -> Path:
    return Path(str(resources.files("traderagent.config") / "defaults" / DEFAULT_CONFIG_NAME))


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    source = Path(path) if path is not None else default_config_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found") from None
    except OSError as err:
        raise ConfigError(f"{source}: cannot read ({err.strerror})") from None
    return parse_config(text, str(source), os.environ if env is None else env)


def parse_config(text: str, source: str, env: Mapping[str, str]) -> AppConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: invalid YAML: {_yaml_problem(err)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of settings")
    data = _substitute(raw, env, source, ())
    try:
        return AppConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_explain(err, source)) from None


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
        if problem["type"] not in ("missing", "extra_forbidden") and quoted:
            message = f"{message} (got {problem['input']!r})"
        if problem["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling; see configs/ for examples)"
        lines.append(f"{source}: {where}: {message}")
    return "\n".join(lines)


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
