"""The one error a user's strategy plugin raises when it cannot be used as given."""

from __future__ import annotations


class PluginError(ValueError):
    """A strategy plugin that cannot be loaded or does not meet the contract: the message is
    one line saying what is wrong and what to do (the CLI prints it and exits 2)."""
