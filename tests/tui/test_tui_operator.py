"""The operator without the app: it reads a view and posts what it has to say; and the
dashboard's snapshot is a reactive bound into the header and the banners."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from fake_engine import FakeEngine
from textual.message import Message
from tui_waits import settle

from traderagent.domain import BotState
from traderagent.facade import BotSnapshot, EngineSnapshot
from tui.app import TraderAgentApp
from tui.messages import ConfirmCommand, Notice
from tui.operator import HALT_REASON, Operator
from tui.widgets.emergency_banner import EmergencyBanner
from tui.widgets.engine_header import EngineHeader


@dataclass
class View:
    engine: FakeEngine
    snapshot: EngineSnapshot | None = None
    shown: list[str] = field(default_factory=list)

    @property
    def selected_bot(self) -> BotSnapshot | None:
        return self.snapshot.bots[0] if self.snapshot else None

    def refresh_snapshot(self, force: bool = False) -> None:
        self.snapshot = self.engine.snapshot()

    def show_command_result(self) -> None:
        self.shown.append("result")


async def test_the_operator_posts_what_it_says_and_never_needs_the_app() -> None:
    engine = FakeEngine()
    for name, bot in engine.bots.items():
        engine.bots[name] = replace(bot, state=BotState.STOPPED)
    view, posted = View(engine), list[Message]()
    operator = Operator(engine, view, posted.append)
    await operator.pause_all()
    assert [(m.text, m.severity) for m in posted if isinstance(m, Notice)] == [
        ("No bot is running.", "warning")
    ]
    posted.clear()
    operator.confirm_for_selected("halt")
    (ask,) = posted
    assert isinstance(ask, ConfirmCommand) and ask.verb == "Halt" and engine.halted == []
    await ask.act()  # what the app runs once the operator confirms
    assert engine.halted == [("grid-btc", HALT_REASON)] and view.shown == ["result"]


async def test_the_dashboards_snapshot_is_bound_into_the_header_and_the_banner() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=(160, 48)) as pilot:
        header = app.dashboard.query_one(EngineHeader)
        banner = app.dashboard.query_one(EmergencyBanner)
        snapshot = engine.snapshot()
        halted = replace(snapshot.bots[0], state=BotState.EMERGENCY, state_reason="test")
        app.dashboard.snapshot = replace(
            snapshot, equity=Decimal("12345.67"), bots=(halted, *snapshot.bots[1:])
        )
        await settle(pilot, lambda: "12,345.67" in str(header.render()))
        assert banner.display and banner.bots == ("grid-btc",)
