"""The bot lifecycle state machine (DESIGN.md, "Bot lifecycle")."""

from __future__ import annotations

from traderagent.domain import BotState

S = BotState
ALLOWED: dict[BotState, frozenset[BotState]] = {
    S.STOPPED: frozenset({S.STARTING}),
    S.STARTING: frozenset({S.RUNNING, S.STOPPING, S.EMERGENCY, S.FINISHED}),
    S.RUNNING: frozenset({S.PAUSED, S.STOPPING, S.EMERGENCY, S.FINISHED}),
    S.PAUSED: frozenset({S.RUNNING, S.STOPPING, S.EMERGENCY, S.FINISHED}),
    S.STOPPING: frozenset({S.STOPPED}),
    S.EMERGENCY: frozenset({S.STOPPING}),
    S.FINISHED: frozenset(),  # the replay is over: a paper reset starts a new account
}
FINISHABLE = frozenset({S.STARTING, S.RUNNING, S.PAUSED})
"""States a bot leaves for FINISHED when its replay ends (a halt or a stop stays as it is)."""
REPLAY_FINISHED = "the replay has ended: reset the paper account to start again"


class IllegalTransition(Exception):
    def __init__(self, bot: str, old: BotState, new: BotState) -> None:
        allowed = ", ".join(sorted(ALLOWED[old])) or "nothing"
        super().__init__(f"bot {bot} is {old}: it cannot go to {new} (from {old}: {allowed})")
        self.old = old
        self.new = new


class Lifecycle:
    def __init__(self, bot: str, state: BotState = BotState.STOPPED) -> None:
        self.bot = bot
        self.state = state

    def can(self, new: BotState) -> bool:
        return new in ALLOWED[self.state]

    def move(self, new: BotState) -> BotState:
        """Go to `new`; returns the old state or raises IllegalTransition."""
        old = self.state
        if new not in ALLOWED[old]:
            raise IllegalTransition(self.bot, old, new)
        self.state = new
        return old

    @property
    def accepts_new_orders(self) -> bool:
        return self.state is BotState.RUNNING
