"""JSON text for payload columns (strategy configs, snapshots, risk state): strict and exact.

Decimals are written as exact strings ('0.000001') and come back as strings; enums as their
value; anything else JSON cannot hold is refused instead of being stored as its repr.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

from storage.errors import StorageError
from storage.types import decimal_text


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dump_payload(payload: Mapping[str, Any], what: str) -> str:
    """Stable JSON text of a mapping; StorageError naming `what` if it cannot be stored."""
    try:
        return json.dumps(dict(payload), sort_keys=True, default=_plain, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StorageError(f"cannot store {what}: {exc}") from exc


def load_payload(text: str) -> dict[str, Any]:
    """The mapping stored by `dump_payload` (an empty dict for anything that is not one)."""
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}
