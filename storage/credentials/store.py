"""CredentialStore: add, read, list, remove and re-key the encrypted exchange credentials.

Each row holds one Fernet token of `{"name", "api_key", "api_secret"}` (and `"passphrase"`
when the exchange wants one, e.g. OKX); the name inside is checked on decryption, so a token
copied to another row is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.credentials.keys import EncryptionKey
from storage.credentials.pair import ApiKeyPair, CredentialInfo
from storage.database import Database
from storage.errors import CredentialError
from storage.models import CredentialRow
from storage.repositories._sql import affected_rows


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class CredentialStore:
    """The `exchange_credentials` table, encrypted with `key`."""

    def __init__(self, database: Database, key: EncryptionKey) -> None:
        self.database = database
        self._db = database
        self._key = key

    @property
    def key(self) -> EncryptionKey:
        return self._key

    def _seal(self, pair: ApiKeyPair, key: EncryptionKey) -> str:
        plain = {"name": pair.name, "api_key": pair.api_key, "api_secret": pair.api_secret}
        if pair.passphrase is not None:
            plain["passphrase"] = pair.passphrase
        return key.cipher().encrypt(json.dumps(plain).encode()).decode()

    def _open(self, name: str, token: str) -> ApiKeyPair:
        try:
            plain = json.loads(self._key.cipher().decrypt(token.encode()))
        except InvalidToken:
            raise CredentialError(
                f"cannot decrypt credential {name!r} with the encryption key from "
                f"{self._key.source}: it was stored with another key. Use the key it was "
                "stored with, or remove the credential and add it again."
            ) from None
        if not isinstance(plain, dict) or plain.get("name") != name:
            raise CredentialError(f"credential {name!r} holds another credential's data")
        passphrase = plain.get("passphrase")
        return ApiKeyPair(
            name,
            str(plain["api_key"]),
            str(plain["api_secret"]),
            None if passphrase is None else str(passphrase),
        )

    async def add(
        self, name: str, api_key: str, api_secret: str, passphrase: str | None = None
    ) -> ApiKeyPair:
        """Store a new credential; CredentialError if the name is taken or a part is empty
        (the passphrase may be absent, not empty)."""
        if not name or not api_key or not api_secret or passphrase == "":
            raise CredentialError("a credential needs a name, an API key and an API secret")
        pair = ApiKeyPair(name, api_key, api_secret, passphrase)
        now = _now_ms()
        row = CredentialRow(
            name=name, token=self._seal(pair, self._key), created_ms=now, updated_ms=now
        )
        try:
            async with self._db.session() as session:
                await self._refuse_mixed_keys(session, name)
                session.add(row)
        except IntegrityError:
            raise CredentialError(
                f"a credential named {name!r} exists already: remove it first "
                f"(traderagent keys remove {name})"
            ) from None
        return pair

    async def _refuse_mixed_keys(self, session: AsyncSession, name: str) -> None:
        """CredentialError if a stored credential was sealed with another key: a database's
        credentials share one key, or a later rotation and every reader fail on half of them."""
        rows = (await session.execute(select(CredentialRow.name, CredentialRow.token))).all()
        cipher = self._key.cipher()
        for other, token in rows:
            try:
                cipher.decrypt(token.encode())
            except InvalidToken:
                raise CredentialError(
                    f"not adding {name!r}: the credentials already in this database (e.g. "
                    f"{other!r}) were stored with another encryption key than the one from "
                    f"{self._key.source}; use the key they were stored with, so that one key "
                    "opens them all"
                ) from None

    async def get(self, name: str) -> ApiKeyPair:
        """The decrypted pair; CredentialError if unknown or stored under another key."""
        async with self._db.session() as session:
            token = await session.scalar(
                select(CredentialRow.token).where(CredentialRow.name == name)
            )
        if token is None:
            raise CredentialError(
                f"no credential named {name!r}: add it with "
                f"`traderagent keys add {name} --api-key KEY`"
            )
        return self._open(name, token)

    async def list(self) -> Sequence[CredentialInfo]:
        """Every credential by name, its key masked (unreadable rows flagged, not raised)."""
        async with self._db.session() as session:
            rows = (await session.scalars(select(CredentialRow).order_by(CredentialRow.name))).all()
        infos = []
        for row in rows:
            try:
                pair = self._open(row.name, row.token)
                masked, readable, phrase = pair.masked_key, True, pair.passphrase is not None
            except CredentialError:
                masked, readable, phrase = "(wrong encryption key)", False, False
            infos.append(CredentialInfo(row.name, masked, row.created_ms, readable, phrase))
        return infos

    async def remove(self, name: str) -> bool:
        """Delete the credential (no key needed); False if there was none by that name."""
        async with self._db.session() as session:
            result = await session.execute(delete(CredentialRow).where(CredentialRow.name == name))
        return affected_rows(result) > 0

    async def rotate_key(self, new_key: EncryptionKey) -> int:
        """Re-encrypt every credential with `new_key` in one transaction; returns how many.

        If any row cannot be decrypted with the current key nothing is changed.
        """
        async with self._db.session() as session:
            rows = (await session.scalars(select(CredentialRow).with_for_update())).all()
            now = _now_ms()
            for row in rows:
                row.token = self._seal(self._open(row.name, row.token), new_key)
                row.updated_ms = now
        self._key = new_key
        return len(rows)
