"""Strategy classes the loader tests offer through fake entry points (importable by name:
pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Literal

from base_sample import Quiet
from pydantic import BaseModel, ConfigDict


class Offered(Quiet):
    """A strategy an installed package would offer."""

    kind = "offered"

    class Config(BaseModel):
        """Settings."""

        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["offered"] = "offered"
        """Strategy kind."""


class OfferedTwice(Offered):
    """Claims the same kind as Offered."""
