"""Column types that keep money exact and enums readable in the database.

SQLite has no exact decimal type (its NUMERIC affinity silently converts to float), so Decimals
are stored there as TEXT in one canonical form: plain notation, no exponent, no trailing zeros
(`Decimal("1.50")` -> `"1.5"`, `Decimal("1E+2")` -> `"100"`). PostgreSQL gets NUMERIC(38, 18).
Values read back are normalised the same way on both, so they compare equal to what was written.
SQL-side ordering or arithmetic on these columns is therefore textual on SQLite: do it in Python.
"""

from __future__ import annotations

from decimal import Context, Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

NUMERIC_PRECISION = 38
NUMERIC_SCALE = 18

E = TypeVar("E", bound=StrEnum)


def canonical_decimal(value: Decimal) -> Decimal:
    """The same value with trailing zeros stripped, never rounded (whatever the context)."""
    if not value.is_finite():
        raise ValueError(f"cannot store non-finite decimal {value!r}")
    if value.is_zero():
        return Decimal(0)
    digits = len(value.as_tuple().digits)
    return value.normalize(Context(prec=max(digits, 1)))


def decimal_text(value: Decimal) -> str:
    """The canonical TEXT form stored on SQLite: plain notation, e.g. '0.000001', '23456.78'
    (`canonical_decimal` in plain notation: the trailing zeros of the fraction cut from the
    text, not through a context made per value, which cost more than the write-ahead row)."""
    if not value.is_finite():
        raise ValueError(f"cannot store non-finite decimal {value!r}")
    if not value:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _as_decimal(value: Any) -> Decimal:
    # A float here would already have lost precision: refuse it instead of hiding the damage.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"exact decimal column needs Decimal or int, got {type(value).__name__}")


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal column that never passes through float: TEXT on SQLite, NUMERIC(38,18) on PG."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(
                Numeric(NUMERIC_PRECISION, NUMERIC_SCALE, asdecimal=True)
            )
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = _as_decimal(value)
        if dialect.name == "postgresql":
            return canonical_decimal(exact)
        return decimal_text(exact)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):
            # Only reachable if a row was written by something else as REAL: refuse to guess.
            raise TypeError(f"exact decimal column holds a float {value!r}; the row is corrupt")
        return canonical_decimal(Decimal(value))


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal column exact at any scale on both backends: canonical TEXT everywhere. For
    figures that are quotients (a position's average entry price, a margin over leverage),
    which may carry more decimals than NUMERIC(38, 18) keeps."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decimal_text(_as_decimal(value))

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return canonical_decimal(Decimal(value))


class StrEnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum column stored as its string value (e.g. Side.BUY -> 'Buy')."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum_cls(value)
