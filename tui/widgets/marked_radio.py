"""A radio button whose mark says whether it is chosen (● or ○), so it reads without colour."""

from __future__ import annotations

from typing import Any

from textual.widgets import RadioButton

ON, OFF = "●", "○"


class MarkedRadioButton(RadioButton):
    """Textual's radio button shows ● either way and tells the choice by colour alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.BUTTON_INNER = ON if self.value else OFF

    def watch_value(self) -> None:
        self.BUTTON_INNER = ON if self.value else OFF
        super().watch_value()
