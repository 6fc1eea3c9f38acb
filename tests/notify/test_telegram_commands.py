"""Command parsing, the halt confirmation's window, and refusals (a hand-driven clock)."""

from __future__ import annotations

import pytest
from stub_engine import StubEngine

from traderagent.notify.commands import TelegramCommands, parse_command

CHAT, OTHER = 111, 222


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/pause grid-btc", ("pause", ["grid-btc"])),
        ("  /PAUSE   grid-btc  ", ("pause", ["grid-btc"])),
        ("/status@TraderAgent_Test_Bot", ("status", [])),
        ("/halt confirm", ("halt", ["confirm"])),
        ("/status@other_bot", None),
        ("pause grid-btc", None),
        ("/", None),
        ("", None),
    ],
)
def test_parse_command(text: str, parsed: tuple[str, list[str]] | None) -> None:
    assert parse_command(text, "traderagent_test_bot") == parsed


async def test_a_halt_is_confirmed_only_within_the_window_and_by_the_same_chat() -> None:
    clock, engine = Clock(), StubEngine()
    commands = TelegramCommands(engine, confirm_s=60, clock=clock)
    assert (await commands.answer(CHAT, "/halt") or "").startswith("Halt EVERY bot?")
    clock.now += 61
    assert await commands.answer(CHAT, "yes") == "The halt request expired: send /halt again."
    assert await commands.answer(CHAT, "yes") == "Nothing to confirm: send /halt first."

    await commands.answer(CHAT, "/halt")
    assert await commands.answer(OTHER, "yes") == "Nothing to confirm: send /halt first."
    assert await commands.answer(CHAT, "no") == "Halt cancelled."
    await commands.answer(CHAT, "/halt")
    await commands.answer(CHAT, "/status")  # anything else answers the question too
    assert await commands.answer(CHAT, "y") == "Nothing to confirm: send /halt first."
    assert engine.calls == []

    await commands.answer(CHAT, "/halt")
    clock.now += 59
    assert (await commands.answer(CHAT, "Yes") or "").startswith("Halted every bot")
    assert engine.calls == [("halt", None, "operator halt via Telegram")]


async def test_a_stale_confirmation_or_action_is_not_obeyed() -> None:
    engine = StubEngine()
    commands = TelegramCommands(engine, stale_s=120, clock=Clock())
    await commands.answer(CHAT, "/halt")
    assert await commands.answer(CHAT, "yes", age_s=300) == (
        "The halt request expired: send /halt again."
    )
    stale = await commands.answer(CHAT, "/resume dca-eth", age_s=300)
    assert stale == (
        "Not done: /resume was sent 5 min ago, while the daemon was not listening."
        " Send it again if you still mean it."
    )
    assert "equity" in (await commands.answer(CHAT, "/status", age_s=300) or "")
    assert engine.calls == []


async def test_refusals_and_failures_are_answered_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = StubEngine()
    commands = TelegramCommands(engine, username="traderagent_test_bot", clock=Clock())
    assert await commands.answer(CHAT, "/pause nope") == "Refused: unknown bot 'nope'"
    assert await commands.answer(CHAT, "/resume a b") == (
        "Usage: /resume NAME, one of: grid-btc, dca-eth"
    )
    engine.fail_next = ConnectionError("daemon unreachable")
    assert await commands.answer(CHAT, "/halt confirm") == (
        "Failed (ConnectionError); the daemon log has the details."
    )
    assert "engine command failed: ConnectionError: daemon unreachable" in caplog.text
    assert await commands.answer(CHAT, "hello") == "Send /help for the commands."
    assert await commands.answer(CHAT, "/status@someone_else") is None
