"""API key pairs as the program holds them: never printed, logged or repr'd in full."""

from __future__ import annotations

from dataclasses import dataclass, field


def mask(api_key: str) -> str:
    """Enough of a key to recognise it ('AbCd…WxYz'), never enough to use it."""
    if len(api_key) < 12:
        return "****"
    return f"{api_key[:4]}…{api_key[-4:]}"


@dataclass(frozen=True, slots=True)
class ApiKeyPair:
    """An exchange API key and secret, and the passphrase some exchanges also want (OKX's);
    repr and str show only the masked key."""

    name: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)

    @property
    def masked_key(self) -> str:
        return mask(self.api_key)

    def __repr__(self) -> str:
        extra = ", passphrase='***'" if self.passphrase is not None else ""
        return (
            f"ApiKeyPair(name={self.name!r}, api_key={self.masked_key!r}, api_secret='***'{extra})"
        )

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """What `keys list` shows: the name, the masked key and when it was stored.

    `readable` is False when the row cannot be decrypted with the current key.
    """

    name: str
    masked_key: str
    created_ms: int
    readable: bool = True
    passphrase: bool = False
    """A passphrase is stored with the key (never shown, only that there is one)."""
