"""The Fernet encryption key: from the environment, or a key file created with mode 0600."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from storage.errors import CredentialError

ENCRYPTION_KEY_ENV = "TRADERAGENT_ENCRYPTION_KEY"
GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


@dataclass(frozen=True, slots=True)
class EncryptionKey:
    """A Fernet key and where it came from (`source` is safe to show; the key is not)."""

    material: bytes = field(repr=False)
    source: str
    file: Path | None = None

    @classmethod
    def generate(cls, source: str = "a new key", file: Path | None = None) -> EncryptionKey:
        return cls(Fernet.generate_key(), source, file)

    @classmethod
    def parse(cls, text: str | bytes, source: str, file: Path | None = None) -> EncryptionKey:
        """Validate key text; CredentialError (never showing the text) if it is not a key."""
        material = text.strip().encode() if isinstance(text, str) else text.strip()
        try:
            Fernet(material)
        except (ValueError, TypeError):
            raise CredentialError(
                f"the encryption key from {source} is not a Fernet key (32 url-safe "
                f"base64-encoded bytes); {GENERATE_HINT}"
            ) from None
        return cls(material, source, file)

    def cipher(self) -> Fernet:
        return Fernet(self.material)


def write_key_file(path: Path, key: EncryptionKey, *, replace: bool = True) -> bool:
    """Write `key` to `path` atomically, readable by this user only (mode 0600).

    With `replace=False` an existing file is kept and False returned (first-use creation,
    where two processes may race: both then use the file that won).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key.material + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(temporary, path)
        return True
    try:
        os.link(temporary, path)  # fails if the file exists, unlike a rename
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


def _read_key_file(path: Path) -> EncryptionKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise CredentialError(
            f"encryption key file {path} is accessible by other users (mode {mode:04o}): "
            f"run `chmod 600 {path}`"
        )
    return EncryptionKey.parse(path.read_bytes(), f"key file {path}", path)


def load_encryption_key(
    env_value: str | None, key_file: Path, *, create: bool = False
) -> EncryptionKey:
    """The key from `env_value` (TRADERAGENT_ENCRYPTION_KEY) if set, else from `key_file`.

    With `create`, a missing key file is created with a new key (mode 0600).
    """
    if env_value:
        return EncryptionKey.parse(env_value, ENCRYPTION_KEY_ENV)
    try:
        return _read_key_file(key_file)
    except FileNotFoundError:
        if not create:
            raise CredentialError(
                f"no encryption key: {ENCRYPTION_KEY_ENV} is not set and the key file "
                f"{key_file} does not exist. Set the variable or restore the file; "
                "`traderagent keys add` creates a new key when there is none."
            ) from None
    except OSError as exc:
        raise CredentialError(f"cannot read encryption key file {key_file}: {exc}") from exc
    key = EncryptionKey.generate(f"key file {key_file}", key_file)
    try:
        created = write_key_file(key_file, key, replace=False)
    except OSError as exc:
        raise CredentialError(f"cannot create encryption key file {key_file}: {exc}") from exc
    return key if created else _read_key_file(key_file)
