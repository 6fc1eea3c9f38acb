"""The console's own settings (`tui:`): key remapping for now."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_BINDING_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY = re.compile(r"^[A-Za-z0-9_+!?]+$")


class TuiConfig(BaseModel):
    """How the console looks and answers keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    keys: dict[str, str] = Field(default_factory=dict)
    """Key remapping: a binding id (the console's help, `?`, lists them: `pause_resume`,
    `halt_all`, ...) -> its key, or several comma-separated, in Textual's key names (`p`,
    `ctrl+h`, `f5`, `exclamation_mark`). Keys not named keep their defaults."""

    @field_validator("keys")
    @classmethod
    def _well_formed(cls, keys: dict[str, str]) -> dict[str, str]:
        for binding, key in keys.items():
            if not _BINDING_ID.match(binding):
                raise ValueError(f"{binding!r} is not a binding id (e.g. pause_resume)")
            if not key or not all(_KEY.match(k.strip()) for k in key.split(",")):
                raise ValueError(f"{binding}: {key!r} is not a key name (e.g. p, ctrl+h, f5)")
        return keys
