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
    """A Bybit HMAC key pair. Resolving a configured name to a pair is the caller's job."""

    api_key: str
    api_secret: str

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ValueError("an API key pair needs both the key and the secret")

    def __repr__(self) -> str:
        return f"ApiCredentials(api_key={mask(self.api_key)!r}, api_secret='***')"

    __str__ = __repr__
