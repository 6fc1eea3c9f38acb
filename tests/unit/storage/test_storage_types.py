"""ExactDecimal and StrEnumText: exact text on SQLite, NUMERIC(38,18) on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable

from storage.models import OrderRow
from storage.types import ExactDecimal, StrEnumText, canonical_decimal, decimal_text
from traderagent.domain import Side


def _postgres() -> Dialect:
    return PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves __init__ untyped


def _orders_ddl(dialect: Dialect) -> str:
    table = OrderRow.__table__
    assert isinstance(table, Table)
    return str(CreateTable(table).compile(dialect=dialect))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.000001"), "0.000001"),
        (Decimal("23456.78"), "23456.78"),
        (Decimal("1.50"), "1.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("1E-9"), "0.000000001"),
        (Decimal("-0.00"), "0"),
        (Decimal("-12.340"), "-12.34"),
        # More digits than the default 28-digit context: must not be rounded.
        (Decimal("1234567890123456789.0123456789012345"), "1234567890123456789.0123456789012345"),
    ],
)
def test_decimal_text_is_plain_canonical_and_exact(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text
    assert Decimal(text) == value


def test_sqlite_binds_text_and_reads_back_equal_decimal() -> None:
    column = ExactDecimal()
    dialect = SQLiteDialect()
    bound = column.process_bind_param(Decimal("23456.780"), dialect)
    assert bound == "23456.78"
    back = column.process_result_value(bound, dialect)
    assert isinstance(back, Decimal)
    assert back == Decimal("23456.78")


def test_postgres_uses_numeric_38_18_and_binds_decimal() -> None:
    ddl = _orders_ddl(_postgres())
    assert "qty NUMERIC(38, 18) NOT NULL" in ddl
    column = ExactDecimal()
    dialect = _postgres()
    assert column.process_bind_param(Decimal("0.0000010"), dialect) == Decimal("0.000001")
    # NUMERIC(38,18) comes back padded to 18 places; we normalise it like SQLite text.
    assert str(column.process_result_value(Decimal("0.000001000000000000"), dialect)) == "0.000001"


def test_sqlite_ddl_declares_text_not_numeric() -> None:
    ddl = _orders_ddl(SQLiteDialect())
    assert "qty TEXT NOT NULL" in ddl
    assert "NUMERIC" not in ddl


def test_float_is_refused_because_it_already_lost_precision() -> None:
    with pytest.raises(TypeError, match="Decimal or int"):
        ExactDecimal().process_bind_param(0.1, SQLiteDialect())


def test_non_finite_decimal_is_refused() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        ExactDecimal().process_bind_param(Decimal("NaN"), SQLiteDialect())


def test_enum_column_stores_the_string_value() -> None:
    column = StrEnumText(Side)
    assert column.process_bind_param(Side.SELL, SQLiteDialect()) == "Sell"
    assert column.process_result_value("Buy", SQLiteDialect()) is Side.BUY
    with pytest.raises(ValueError):
        column.process_bind_param("Short", SQLiteDialect())


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | st.builds(
        Decimal, st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{0,20})?(E[+-]?[0-9]{1,2})?", fullmatch=True)
    )
)
def test_decimal_text_is_the_canonical_decimal_in_plain_notation(value: Decimal) -> None:
    """The fast text form is what normalising in a context of the value's digits gives."""
    assert decimal_text(value) == format(canonical_decimal(value), "f")
    assert Decimal(decimal_text(value)) == value
