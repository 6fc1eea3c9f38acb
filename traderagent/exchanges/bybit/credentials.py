"""An API key pair whose repr and str never show the secret (and only the ends of the key)."""

from __future__ import annotations

from dataclasses import dataclass


def mask(value: str) -> str:
    """`CFEJUGQEQPPHGOHGHM` -> `CF…HM`: enough to tell keys apart, too little to use one."""
    if len(value) <= 6:
        return "…"
    return f"{value[:2]}…{value[-2:]}"


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An HMAC key pair (Bybit's, or any ccxt exchange's), with the passphrase some exchanges
    also want (OKX: ccxt's `password`). Resolving a configured name is the caller's job."""

    api_key: str
    api_secret: str
    passphrase: str | None = None

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ValueError("an API key pair needs both the key and the secret")

    def __repr__(self) -> str:
        extra = ", passphrase='***'" if self.passphrase is not None else ""
        return f"ApiCredentials(api_key={mask(self.api_key)!r}, api_secret='***'{extra})"

    __str__ = __repr__
