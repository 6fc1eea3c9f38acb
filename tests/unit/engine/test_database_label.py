"""The database is named on screen and in summaries: never with its password."""

from pathlib import Path

from traderagent.wiring.runtime import database_label


def test_a_url_password_is_hidden() -> None:
    label = database_label("postgresql://trader:s3cret@db.example:5432/ta")
    assert "s3cret" not in label
    assert label == "postgresql+asyncpg://trader:***@db.example:5432/ta"


def test_files_are_shown_as_given() -> None:
    assert database_label(Path("/var/lib/ta.db")) == "/var/lib/ta.db"
    assert database_label("~/ta.db") == "~/ta.db"
