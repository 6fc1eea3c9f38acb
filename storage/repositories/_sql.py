"""Small SQL helpers shared by the repositories: dialect-aware upserts and affected-row counts."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result

from storage.errors import StorageError
from storage.models import Base

Upsert = sqlite.Insert | postgresql.Insert


def upsert_into(dialect_name: str, model: type[Base]) -> Upsert:
    """An INSERT for `model` that supports `on_conflict_do_update/do_nothing` (same API on both)."""
    if dialect_name == "sqlite":
        return sqlite.insert(model)
    if dialect_name == "postgresql":
        return postgresql.insert(model)
    raise StorageError(f"upserts are not supported on {dialect_name!r}: use SQLite or PostgreSQL")


def affected_rows(result: Result[Any]) -> int:
    """Rows touched by an INSERT/UPDATE (DML results are always cursor results)."""
    return cast("CursorResult[Any]", result).rowcount
