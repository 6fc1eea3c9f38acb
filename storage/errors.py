"""The errors storage raises for problems a user can cause; each message says what to do."""


class StorageError(Exception):
    """The database could not be opened or used; the message says what was wrong and what to do."""


class LeaseError(StorageError):
    """A bot's lease is held by another process: the bot is already running somewhere."""


class CredentialError(StorageError):
    """An exchange credential or the encryption key is missing, wrong or unusable."""
