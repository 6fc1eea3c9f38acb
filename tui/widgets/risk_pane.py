"""The risk pane: every configured limit as a bar, breaches marked."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Static

from traderagent.domain import Balance
from traderagent.facade import EngineSnapshot, RiskLimitView
from tui.render_risk import risk_text, risk_views


class RiskPane(Static):
    """The account's balances and limits, each bot's limits and budget."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._limits: tuple[RiskLimitView, ...] | None = None
        self._balances: tuple[Balance, ...] = ()

    @property
    def limits(self) -> tuple[RiskLimitView, ...]:
        return self._limits or ()

    def show(self, snapshot: EngineSnapshot) -> None:
        limits = tuple(risk_views(snapshot))
        if (limits, snapshot.balances) != (self._limits, self._balances):
            self._limits, self._balances = limits, snapshot.balances
            self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._limits is None:
            return
        text = risk_text(self._limits, self.content_size.width or 60, self._balances)
        lines = text.plain.count("\n") + 1
        self.update(text, layout=False)
        # the pane is as tall as its bars (CSS caps it): set here, so no redraw can leave it
        # sized for an earlier text
        height = lines + self.styles.gutter.height
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
