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


async def test_trades_profit_daily_and_performance_answer_from_the_closed_trades() -> None:
    from dataclasses import replace
    from decimal import Decimal

    from stub_engine import CLOCK_MS, fill

    from traderagent.domain import Side

    engine = StubEngine()
    commands = TelegramCommands(engine)
    assert await commands.answer(CHAT, "/trades") == "No closed trades yet."
    day = 86_400_000
    engine.fills = [
        fill(1, Side.BUY),
        replace(fill(2, Side.SELL, ts=CLOCK_MS + 3_600_000), price=Decimal("22250.00"), tag="s1"),
        fill(3, Side.BUY, ts=CLOCK_MS + day),
        replace(fill(4, Side.SELL, ts=CLOCK_MS + day + 60_000), price=Decimal("22100.00")),
    ]
    trades = await commands.answer(CHAT, "/trades") or ""
    # (22250 - 22150) x 0.0043 - 2 x 0.019 = 0.392; (22100 - 22150) x 0.0043 - 0.038 = -0.253
    assert "03-01 07:00 grid-btc 0.004300 22,150→22,250 +0.39 (1h 00m, s1)" in trades
    assert "total +0.14 · fees -0.08 · 1 won" in trades
    daily = await commands.answer(CHAT, "/daily") or ""
    assert "2023-03-01: +0.39 · 1 trades, 1 won" in daily
    assert "2023-03-02: -0.25 · 1 trades, 0 won" in daily
    monthly = await commands.answer(CHAT, "/profit month") or ""
    assert "2023-03: +0.14 · 2 trades, 1 won" in monthly
    assert await commands.answer(CHAT, "/profit year") == "Usage: /profit [day|week|month]"
    performance = await commands.answer(CHAT, "/performance") or ""
    assert "grid-btc BTCUSDT: +0.14 · 2 trades · 50% won" in performance
    assert (await commands.answer(CHAT, "/trades nope") or "").startswith("Refused: no bot")
    assert "/trades [NAME]" in (await commands.answer(CHAT, "/help") or "")
