"""Exchange API credentials, encrypted with Fernet before they reach the database.

The key comes from `TRADERAGENT_ENCRYPTION_KEY` or a 0600 key file the caller names
(`traderagent.paths.encryption_key_path()`); see `load_encryption_key`.
"""

from storage.credentials.keys import (
    ENCRYPTION_KEY_ENV,
    EncryptionKey,
    load_encryption_key,
    write_key_file,
)
from storage.credentials.pair import ApiKeyPair, CredentialInfo, mask
from storage.credentials.store import CredentialStore

__all__ = [
    "ENCRYPTION_KEY_ENV",
    "ApiKeyPair",
    "CredentialInfo",
    "CredentialStore",
    "EncryptionKey",
    "load_encryption_key",
    "mask",
    "write_key_file",
]
