"""Turn the credentials name a config gives into an API key pair, without ever showing it.

Looked up first in the environment (`TRADERAGENT_<NAME>_API_KEY` and `..._API_SECRET`, handy
under Docker, with `..._API_PASSPHRASE` for an exchange that wants one), then in the encrypted
store (`traderagent keys add NAME`).
"""

from __future__ import annotations

import os
import re

from storage import Database
from storage.credentials import ENCRYPTION_KEY_ENV, CredentialStore, load_encryption_key
from storage.errors import CredentialError
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.paths import encryption_key_path


class CredentialsNotFound(Exception):
    """No key pair under that name; the message says how to add one."""


def _stem(name: str) -> str:
    return "TRADERAGENT_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def env_names(name: str) -> tuple[str, str]:
    return f"{_stem(name)}_API_KEY", f"{_stem(name)}_API_SECRET"


def passphrase_env_name(name: str) -> str:
    """The variable that holds the passphrase of the key pair `name` (OKX wants one)."""
    return f"{_stem(name)}_API_PASSPHRASE"


async def resolve_credentials(name: str, database: Database) -> ApiCredentials:
    key_var, secret_var = env_names(name)
    api_key, api_secret = os.environ.get(key_var), os.environ.get(secret_var)
    if api_key and api_secret:
        return ApiCredentials(
            api_key, api_secret, os.environ.get(passphrase_env_name(name)) or None
        )
    try:
        key = load_encryption_key(os.environ.get(ENCRYPTION_KEY_ENV), encryption_key_path())
        pair = await CredentialStore(database, key).get(name)
    except CredentialError as err:
        raise CredentialsNotFound(
            f"exchange.credentials {name!r}: {err}; or set {key_var} and {secret_var}"
        ) from None
    return ApiCredentials(pair.api_key, pair.api_secret, pair.passphrase)
