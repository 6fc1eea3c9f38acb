"""Exchange credentials: encrypted at rest, masked on screen, re-keyed in one transaction."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage import (
    CredentialError,
    CredentialStore,
    Database,
    EncryptionKey,
    load_encryption_key,
)
from storage.models import CredentialRow

API_KEY = "KEYabcdefghijklmnopQRSTUV"
SECRET = "s3cr3t-ZyXwVuTsRqPoNmLkJi-0987"


@pytest.fixture
def key() -> EncryptionKey:
    return EncryptionKey.generate("the test key")


@pytest.fixture
def store(database: Database, key: EncryptionKey) -> CredentialStore:
    return CredentialStore(database, key)


def _database_bytes(path: Path) -> bytes:
    # The WAL file holds recent writes before they reach the main file: read it too.
    parts = [path, path.with_name(path.name + "-wal")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


async def test_a_pair_round_trips_and_nothing_is_plain_in_the_database(
    store: CredentialStore, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL and parameters
    try:
        added = await store.add("bybit-main", API_KEY, SECRET)
        pair = await store.get("bybit-main")
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    assert (pair.api_key, pair.api_secret) == (API_KEY, SECRET)
    assert added == pair
    assert "INSERT INTO exchange_credentials" in caplog.text  # the SQL log did run
    assert SECRET not in caplog.text and API_KEY not in caplog.text
    async with database.session() as session:
        token = await session.scalar(select(CredentialRow.token))
        dumped = " ".join(
            str(v)
            for row in await session.execute(text("SELECT * FROM exchange_credentials"))
            for v in row
        )
    assert token is not None and token.startswith("gAAAAA")  # a Fernet token
    assert SECRET not in dumped and API_KEY not in dumped
    if database.sqlite_path is not None:
        raw = _database_bytes(database.sqlite_path)
        assert b"gAAAAA" in raw  # the read does see the stored row
        assert SECRET.encode() not in raw and API_KEY.encode() not in raw


async def test_repr_and_str_show_only_the_masked_key(store: CredentialStore) -> None:
    pair = await store.add("bybit-main", API_KEY, SECRET)
    for shown in (repr(pair), str(pair), f"{pair}", repr([pair])):
        assert SECRET not in shown
        assert API_KEY not in shown
        assert "KEYa…STUV" in shown
    assert "the test key" in repr(store.key)
    assert store.key.material.decode() not in repr(store.key)


async def test_list_masks_keys_and_remove_deletes(store: CredentialStore) -> None:
    await store.add("bybit-main", API_KEY, SECRET)
    await store.add("alt", "short", "x")
    infos = await store.list()
    assert [(i.name, i.masked_key, i.readable) for i in infos] == [
        ("alt", "****", True),
        ("bybit-main", "KEYa…STUV", True),
    ]
    assert all(i.created_ms > 0 for i in infos)
    assert await store.remove("alt") is True
    assert await store.remove("alt") is False
    assert [i.name for i in await store.list()] == ["bybit-main"]


async def test_duplicate_and_unknown_names_are_clear_errors(store: CredentialStore) -> None:
    await store.add("bybit-main", API_KEY, SECRET)
    with pytest.raises(CredentialError, match="'bybit-main' exists already") as duplicate:
        await store.add("bybit-main", API_KEY, "another-secret-value")
    assert "another-secret-value" not in str(duplicate.value)
    assert duplicate.value.__cause__ is None  # no SQL error (with parameters) chained
    with pytest.raises(CredentialError, match="no credential named 'nope'"):
        await store.get("nope")
    with pytest.raises(CredentialError, match="needs a name, an API key and an API secret"):
        await store.add("empty", API_KEY, "")


async def test_wrong_key_is_a_clear_error_and_list_flags_the_rows(
    store: CredentialStore, database: Database
) -> None:
    await store.add("bybit-main", API_KEY, SECRET)
    stranger = CredentialStore(database, EncryptionKey.generate("another key"))
    with pytest.raises(CredentialError, match="cannot decrypt credential 'bybit-main'") as wrong:
        await stranger.get("bybit-main")
    assert "another key" in str(wrong.value)
    assert wrong.value.__cause__ is None
    [info] = await stranger.list()
    assert (info.readable, info.masked_key) == (False, "(wrong encryption key)")


async def test_rotation_re_encrypts_every_row(
    store: CredentialStore, database: Database, key: EncryptionKey
) -> None:
    await store.add("a", API_KEY, SECRET)
    await store.add("b", "KEY-number-two-123456", "secret-two")
    new_key = EncryptionKey.generate("new key")

    assert await store.rotate_key(new_key) == 2

    assert store.key == new_key
    with pytest.raises(CredentialError):
        await CredentialStore(database, key).get("a")
    fresh = CredentialStore(database, new_key)
    assert (await fresh.get("a")).api_secret == SECRET
    assert (await fresh.get("b")).api_secret == "secret-two"


async def test_rotation_changes_nothing_if_a_row_is_unreadable(
    store: CredentialStore, database: Database, key: EncryptionKey
) -> None:
    await store.add("a", API_KEY, SECRET)
    # a database mixed before `add` refused a second key: row b sealed with another key
    plain = json.dumps({"name": "b", "api_key": API_KEY, "api_secret": SECRET}).encode()
    token = EncryptionKey.generate("other").cipher().encrypt(plain).decode()
    async with database.session() as session:
        session.add(CredentialRow(name="b", token=token, created_ms=1, updated_ms=1))
    async with database.session() as session:
        before = dict(
            (await session.execute(select(CredentialRow.name, CredentialRow.token))).all()
        )

    with pytest.raises(CredentialError, match="cannot decrypt credential 'b'"):
        await store.rotate_key(EncryptionKey.generate("new"))

    async with database.session() as session:
        after = dict((await session.execute(select(CredentialRow.name, CredentialRow.token))).all())
    assert after == before
    assert store.key == key
    assert (await store.get("a")).api_secret == SECRET


async def test_a_token_moved_to_another_row_is_refused(
    store: CredentialStore, database: Database
) -> None:
    await store.add("a", API_KEY, SECRET)
    await store.add("b", "KEY-number-two-123456", "secret-two")
    async with database.session() as session:
        token_a = await session.scalar(select(CredentialRow.token).where(CredentialRow.name == "a"))
        row_b = await session.scalar(select(CredentialRow).where(CredentialRow.name == "b"))
        assert token_a is not None and row_b is not None
        row_b.token = token_a
    with pytest.raises(CredentialError, match="'b' holds another credential's data"):
        await store.get("b")


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "config" / "encryption.key"
    with pytest.raises(CredentialError, match="no encryption key"):
        load_encryption_key(None, path)
    created = load_encryption_key(None, path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert created.file == path
    again = load_encryption_key(None, path, create=True)
    assert again.material == created.material
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "encryption.key"
    from_env = EncryptionKey.generate()
    key = load_encryption_key(from_env.material.decode(), path, create=True)
    assert key.material == from_env.material
    assert key.source == "TRADERAGENT_ENCRYPTION_KEY"
    assert not path.exists()


def test_a_malformed_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="not a Fernet key") as bad:
        load_encryption_key("not-a-real-key-value", tmp_path / "k")
    assert "not-a-real-key-value" not in str(bad.value)
    assert "Fernet.generate_key()" in str(bad.value)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "encryption.key"
    load_encryption_key(None, path, create=True)
    os.chmod(path, 0o644)
    with pytest.raises(CredentialError, match=r"accessible by other users \(mode 0644\)"):
        load_encryption_key(None, path)


async def test_adding_under_another_key_is_refused_and_nothing_is_mixed_in(
    store: CredentialStore, database: Database
) -> None:
    await store.add("a", API_KEY, SECRET)
    stranger = CredentialStore(database, EncryptionKey.generate("another key"))
    with pytest.raises(CredentialError, match="not adding 'b': the credentials already in"):
        await stranger.add("b", API_KEY, SECRET)
    assert [info.name for info in await store.list()] == ["a"]
    await store.add("b", API_KEY, SECRET)  # under the database's own key it goes in
    assert [info.readable for info in await store.list()] == [True, True]


async def test_a_passphrase_is_sealed_with_the_secret_and_never_shown(
    store: CredentialStore, database: Database
) -> None:
    phrase = "okx-Passphrase-31337-never-shown"
    added = await store.add("okx-main", API_KEY, SECRET, phrase)
    await store.add("bybit-main", API_KEY, SECRET)
    pair = await store.get("okx-main")
    assert (pair.api_key, pair.api_secret, pair.passphrase) == (API_KEY, SECRET, phrase)
    assert added == pair
    assert (await store.get("bybit-main")).passphrase is None  # a pair without one reads back so
    for shown in (repr(pair), str(pair), repr([pair])):
        assert phrase not in shown and "passphrase='***'" in shown
    async with database.session() as session:
        tokens = (await session.scalars(select(CredentialRow.token))).all()
    assert tokens and all(phrase not in token for token in tokens)
    listed = {info.name: info.passphrase for info in await store.list()}
    assert listed == {"bybit-main": False, "okx-main": True}
    with pytest.raises(CredentialError, match="needs a name"):
        await store.add("empty-phrase", API_KEY, SECRET, "")
    rotated = await store.rotate_key(EncryptionKey.generate("another key"))
    assert rotated == 2
    assert (await store.get("okx-main")).passphrase == phrase  # re-keyed with it
