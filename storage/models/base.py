"""The declarative base and the column sizes every table shares."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import DeclarativeBase

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")

NAME = 64
SYMBOL = 32
ID = 64
KIND = 64


class Base(DeclarativeBase):
    """Declarative base: its metadata is the schema the Alembic migrations build."""
