"""The one error type storage raises for problems a user can cause (bad URL, unwritable path)."""


class StorageError(Exception):
    """The database could not be opened or used; the message says what was wrong and what to do."""
