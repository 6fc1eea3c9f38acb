"""The API's bearer token: generated on first use, kept mode 0600 in the user's config directory.

`TRADERAGENT_API_TOKEN` overrides the file (containers, tests); the file is never logged and the
token is printed only by `traderagent api-token` (the daemon that creates it says where, never
what it is: its output ends up in container and service logs).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from traderagent.paths import config_dir

TOKEN_ENV = "TRADERAGENT_API_TOKEN"  # noqa: S105 - a variable name, not a secret
TOKEN_FILE = "api.token"  # noqa: S105 - a file name
TOKEN_BYTES = 32
MIN_TOKEN_LENGTH = 16


class TokenError(Exception):
    """The token could not be read or written; the message says where and why."""


def token_path() -> Path:
    return config_dir() / TOKEN_FILE


def env_token() -> str | None:
    """TRADERAGENT_API_TOKEN if set (TokenError if too short to be a secret), else None."""
    value = os.environ.get(TOKEN_ENV, "").strip()
    if not value:
        return None
    if len(value) < MIN_TOKEN_LENGTH:
        raise TokenError(f"{TOKEN_ENV} is too short: use at least {MIN_TOKEN_LENGTH} characters")
    return value


def stored_token(path: Path | None = None) -> str | None:
    """The token in the file, or None when there is none yet (a too-open file is tightened)."""
    path = path or token_path()
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise TokenError(f"{path}: cannot read the API token ({err.strerror})") from None
    return text or None


def write_token(path: Path | None = None) -> str:
    """A new random token, written (replacing any old one) readable by the owner only."""
    path = path or token_path()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token + "\n")
        partial.replace(path)
    except OSError as err:
        raise TokenError(f"{path}: cannot write the API token ({err.strerror})") from None
    return token


def daemon_token() -> tuple[str, bool]:
    """The token the daemon requires, and whether it was created just now (say where)."""
    token = env_token() or stored_token()
    if token is not None:
        return token, False
    return write_token(), True


def client_token(given: str | None) -> str | None:
    """What a client sends: `--token`, else TRADERAGENT_API_TOKEN, else the stored file."""
    if given:
        return given.strip()
    return env_token() or stored_token()
