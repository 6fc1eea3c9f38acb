"""The Telegram service end to end against a local Bot API server speaking the real JSON."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from botapi_server import TOKEN, FakeBotApi, running_bot_api
from stub_engine import CLOCK_MS, StubEngine, fill, reading

from traderagent.config.service import TelegramConfig
from traderagent.domain import Regime
from traderagent.domain.events import HaltTriggered, OrderFilled, RegimeChanged, RiskBreached
from traderagent.notify import TelegramAuthError, TelegramSetupError, run_telegram, telegram_service
from traderagent.notify.redact import REDACTED

ALICE, BOB, STRANGER = 111, 222, 999
SECRET = TOKEN.partition(":")[2]


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    async with running_bot_api() as api:
        yield api


@contextlib.asynccontextmanager
async def serving(
    engine: StubEngine, server: FakeBotApi, **overrides: Any
) -> AsyncIterator[asyncio.Task[None]]:
    settings: dict[str, Any] = {"poll_timeout_s": 5, "batch_s": 0.5, **overrides}
    config = TelegramConfig(enabled=True, chat_ids=(ALICE, BOB), api_url=server.url, **settings)
    task = asyncio.create_task(run_telegram(engine, config, TOKEN))
    await server.wait_for(lambda: len(server.texts(BOB)) == 1)  # "TraderAgent is up"
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def ask(server: FakeBotApi, chat: int, text: str) -> str:
    """Send `text` from `chat` and wait for the bot's next reply there."""
    before = len(server.texts(chat))
    server.say(chat, text)
    await server.wait_for(lambda: len(server.texts(chat)) > before)
    return server.texts(chat)[before]


async def test_commands_from_an_allowed_chat_act_on_the_engine_and_answer(
    server: FakeBotApi,
) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        assert "TraderAgent is up: PAPER on paper, 2 bot(s)" in server.texts(ALICE)[0]
        status = await ask(server, ALICE, "/status")
        assert "equity 10,012.35 · PnL +12.35 (+0.12%)" in status
        assert "drawdown 1.20% of 15%" in status
        assert "1 paused, 1 running" in status

        assert await ask(server, ALICE, "/pause grid-btc") == (
            "grid-btc paused: its resting orders stay, nothing new is placed."
        )
        assert (
            await ask(server, ALICE, "/resume@traderagent_test_bot dca-eth") == "dca-eth resumed."
        )
        assert engine.calls == [("pause_bot", "grid-btc"), ("resume_bot", "dca-eth")]
        assert await ask(server, ALICE, "/pause grid-btc") == (
            "Refused: grid-btc is PAUSED; cannot go to PAUSED"
        )
        assert (await ask(server, ALICE, "/pause")).startswith("Usage: /pause NAME, one of:")

        bots = await ask(server, BOB, "/bots")
        assert "grid-btc · BTCUSDT · grid · ⏸ PAUSED" in bots
        assert "position 0.012900 @ 22,050.00" in bots
        balance = await ask(server, BOB, "/balance")
        assert "grid-btc: 0.012900 BTCUSDT @ 22,050.00 ≈ 285.74 (unrealised -3.20)" in balance
        assert "BTC 0.012900\n" in balance and "USDT 9700.50 (300.00 in orders)" in balance
        assert "/halt - emergency halt" in await ask(server, BOB, "/help")
        assert await ask(server, BOB, "/frobnicate") == (
            "Unknown command /frobnicate. /help lists the commands."
        )
    assert server.updates == []  # every update was confirmed by the next getUpdates offset


async def test_other_chats_are_ignored_and_logged_without_their_text(
    server: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="traderagent.notify")
    engine = StubEngine()
    async with serving(engine, server):
        server.say(STRANGER, "/pause grid-btc")
        server.say(STRANGER, "/halt confirm")
        server.say(STRANGER, "my password is hunter2")
        server.say(STRANGER, "/hunter2")
        assert "equity" in await ask(server, ALICE, "/status")  # answered after the stranger's
    assert engine.calls == []
    assert server.texts(STRANGER) == []
    assert "ignored /pause from chat 999 (not in telegram.chat_ids)" in caplog.text
    assert "ignored /halt from chat 999" in caplog.text
    assert "ignored a message from chat 999" in caplog.text
    assert "ignored an unknown command from chat 999" in caplog.text
    assert "grid-btc" not in caplog.text
    assert "hunter2" not in caplog.text


async def test_halt_needs_a_confirmation(server: FakeBotApi) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        asked = await ask(server, ALICE, "/halt")
        assert asked.startswith("Halt EVERY bot?")
        assert "Reply yes (or /halt confirm) within 60 s" in asked
        assert engine.calls == []
        assert await ask(server, BOB, "yes") == "Nothing to confirm: send /halt first."
        assert engine.calls == []  # another chat cannot confirm Alice's halt

        assert (await ask(server, ALICE, "yes")).startswith("Halted every bot")
        assert engine.calls == [("halt", None, "operator halt via Telegram")]
        await server.wait_for(lambda: any("⛔ HALT" in t for t in server.texts(BOB)))
        halt = next(t for t in server.texts(BOB) if "⛔ HALT" in t)
        assert "⛔ HALT grid-btc, dca-eth: operator halt via Telegram; 3 orders cancelled." in halt

        assert (await ask(server, BOB, "/halt confirm")).startswith("Halted every bot")
        assert len(engine.calls) == 2


async def test_fills_halts_risk_and_regime_changes_reach_every_allowed_chat(
    server: FakeBotApi,
) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        reason = (
            "drawdown 15.20% from the peak 10,500.00 USDT exceeds the limit 15% (max_drawdown_pct)"
        )
        engine.bus.publish(OrderFilled(CLOCK_MS, fill(1)))
        engine.bus.publish(
            RiskBreached(
                CLOCK_MS,
                "portfolio",
                "max_drawdown_pct",
                Decimal("15.2"),
                Decimal(15),
                None,
                reason,
            )
        )
        engine.bus.publish(HaltTriggered(CLOCK_MS, "grid-btc", reason, 4))
        old, new = reading(Regime.TIGHT_RANGE), reading(Regime.BULL_TREND)
        engine.bus.publish(RegimeChanged(CLOCK_MS, "BTCUSDT", old.regime, new.regime, new))

        for chat in (ALICE, BOB):
            await server.wait_for(lambda chat=chat: "1 fill," in "".join(server.texts(chat)))
            text = "\n".join(server.texts(chat)[1:])
            assert f"⚠ RISK (account): {reason}" in text
            assert "⛔ HALT grid-btc; 4 orders cancelled." in text  # the breach above says why
            assert (
                "1 fill, fees 0.0190 USDT\n06:00 BUY 0.004300 BTCUSDT @ 22,150.00 grid-btc" in text
            )
            assert "↻ BTCUSDT regime TIGHT_RANGE → BULL_TREND (ADX 35.2, ATR 0.42%)" in text
        assert "RISK" in server.texts(ALICE)[1]  # urgent alerts first


async def test_a_fill_storm_is_one_message(server: FakeBotApi) -> None:
    engine = StubEngine()
    async with serving(engine, server, batch_s=1.0):
        for n in range(200):
            engine.bus.publish(OrderFilled(CLOCK_MS + n * 1000, fill(n)))
        await server.wait_for(lambda: len(server.texts(ALICE)) == 2)
        storm = server.texts(ALICE)[1]
        assert storm.startswith("200 fills, fees 3.8000 USDT")
        assert storm.endswith("… and 185 more (185 BUY)")
        assert len(storm.splitlines()) == 17


async def test_a_429_waits_its_retry_after(server: FakeBotApi) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        server.send_429.append(1)
        assert "equity" in await ask(server, ALICE, "/status")
    sends = [(at, status) for at, method, status in server.calls if method == "sendMessage"]
    limited = next(i for i, (_, status) in enumerate(sends) if status == 429)
    assert sends[limited + 1][1] == 200
    assert sends[limited + 1][0] - sends[limited][0] >= 1.0


async def test_poll_failures_are_retried(server: FakeBotApi) -> None:
    engine = StubEngine()
    server.poll_errors.extend([502, 409])
    async with serving(engine, server):
        assert "equity" in await ask(server, ALICE, "/status")
    assert server.count("getUpdates", 502) == 1
    assert server.count("getUpdates", 409) == 1


async def test_a_command_sent_while_the_daemon_was_down_is_not_obeyed(server: FakeBotApi) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        server.say(ALICE, "/pause grid-btc", age_s=600)
        await server.wait_for(lambda: len(server.texts(ALICE)) == 2)
    assert server.texts(ALICE)[1].startswith("Not done: /pause was sent 10 min ago")
    assert engine.calls == []


async def test_pending_alerts_go_out_when_the_service_stops(server: FakeBotApi) -> None:
    engine = StubEngine()
    async with serving(engine, server, batch_s=60):
        engine.bus.publish(OrderFilled(CLOCK_MS, fill(1)))
        assert "equity" in await ask(server, ALICE, "/status")  # the batcher holds this fill
        engine.bus.publish(OrderFilled(CLOCK_MS, fill(2)))  # still in the stream at the exit
    assert server.texts(ALICE)[-1].startswith("2 fills, fees 0.0380 USDT")
    assert server.texts(BOB)[-1].startswith("2 fills, fees 0.0380 USDT")


async def test_an_engine_that_fails_to_answer_gets_a_reply_not_a_dead_service(
    server: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    engine = StubEngine()
    async with serving(engine, server):
        working = engine.snapshot

        def broken() -> None:
            raise ConnectionError("the daemon went away")

        engine.snapshot = broken  # type: ignore[method-assign,assignment]
        assert await ask(server, ALICE, "/bots") == (
            "Failed (ConnectionError); the daemon log has the details."
        )
        engine.snapshot = working  # type: ignore[method-assign]
        assert "equity" in await ask(server, ALICE, "/status")
    assert "telegram: /bots from chat 111 failed" in caplog.text


async def test_the_token_never_reaches_the_logs(
    server: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = StubEngine()
    server.poll_errors.append(502)
    server.send_429.append(1)
    async with serving(engine, server):
        assert "equity" in await ask(server, ALICE, "/status")
    assert REDACTED in caplog.text  # httpx logged the URLs, with the token replaced
    assert "getUpdates failed (getUpdates: 502 Bad Gateway)" in caplog.text
    assert "Too Many Requests: retry after 1" in caplog.text
    assert SECRET not in caplog.text


async def test_a_wrong_token_stops_the_service_with_a_clean_error(
    server: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "987654321:ZZZwrongwrongwrongwrongwrongwrongZZ"
    config = TelegramConfig(enabled=True, chat_ids=(ALICE,), api_url=server.url)
    with pytest.raises(TelegramAuthError) as raised:
        await asyncio.wait_for(run_telegram(StubEngine(), config, wrong), 5)
    assert "getMe: 401 Unauthorized: the bot token is wrong" in str(raised.value)
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    assert "wrongwrong" not in caplog.text
    assert server.sent == []


async def test_the_daemon_service_reads_the_token_at_start_and_serves(server: FakeBotApi) -> None:
    config = TelegramConfig(
        enabled=True, chat_ids=(ALICE,), api_url=server.url, token_env="TA_TEST_TG_TOKEN"
    )
    with pytest.raises(TelegramSetupError, match="TA_TEST_TG_TOKEN is not set"):
        telegram_service(config, {})
    service = telegram_service(config, {"TA_TEST_TG_TOKEN": TOKEN})
    assert service.__name__ == "telegram"
    task = asyncio.create_task(service(StubEngine()))
    try:
        await server.wait_for(lambda: len(server.texts(ALICE)) == 1)
        assert "equity" in await ask(server, ALICE, "/status")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
