"""traderagent.logs: one format for every record, secrets masked, the engine's events logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from traderagent.bus import EventBus
from traderagent.domain import BotState, Fill, Liquidity, Side
from traderagent.domain.events import BotStateChanged, LogRecord, OrderFilled
from traderagent.logs import EngineLogBridge, Redactor, configure_logging, redact

SECRET_LINES = {
    "api key": ("placing with api_key=AbCdEf123456XyZ", "AbCdEf123456XyZ"),
    "api secret": ('headers {"X-BAPI-API-KEY": "k9k9k9k9k9", "api_secret": "s3cr3tS3cr3t"}',
                   "s3cr3tS3cr3t"),
    "bybit key header": ('headers {"X-BAPI-API-KEY": "k9k9k9k9k9"}', "k9k9k9k9k9"),
    "signature": ("X-BAPI-SIGN: 0a1b2c3d4e5f60718293", "0a1b2c3d4e5f60718293"),
    "bearer token": ("Authorization: Bearer tok_9f8e7d6c5b4a", "tok_9f8e7d6c5b4a"),
    "api token": ("token=9f8e7d6c5b4a3f2e1d0c", "9f8e7d6c5b4a3f2e1d0c"),
    "telegram token": (
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/send",
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ),
    "database password": (
        "cannot connect to postgresql+asyncpg://trader:hunter2pw@db:5432/ta", "hunter2pw"
    ),
    "password field": ("password: 'correct-horse'", "correct-horse"),
}  # fmt: skip


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    setup = configure_logging("debug", "text", stream=stream)
    yield stream
    setup.close()


@pytest.mark.parametrize("case", SECRET_LINES, ids=list(SECRET_LINES))
def test_a_record_with_a_secret_reaches_the_log_masked(captured: io.StringIO, case: str) -> None:
    line, secret = SECRET_LINES[case]
    logging.getLogger("traderagent.exchanges.bybit.rest").warning("request: %s", line)
    out = captured.getvalue()
    assert "request: " in out and "***" in out
    assert secret not in out


def test_a_secret_in_a_traceback_is_masked_too(captured: io.StringIO) -> None:
    try:
        raise RuntimeError("login failed for postgresql://ta:pa55word9@host/db")
    except RuntimeError:
        logging.getLogger("traderagent.storage").exception("database down")
    out = captured.getvalue()
    assert "RuntimeError" in out and "pa55word9" not in out


def test_a_secret_set_in_the_environment_is_masked_wherever_it_appears(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADERAGENT_MAIN_API_SECRET", "plainvalue42")
    stream = io.StringIO()
    setup = configure_logging("info", stream=stream)
    try:
        logging.getLogger("traderagent.x").info("the venue echoed plainvalue42 back")
    finally:
        setup.close()
    assert "plainvalue42" not in stream.getvalue()


def test_ordinary_words_are_not_masked() -> None:
    line = "order grid-btc-12 rejected: insufficient USDT (balance 100, needs 120)"
    assert redact(line) == line
    assert repr(Redactor(["a-secret-value"])) == "Redactor(<1 secrets hidden>)"


def test_text_lines_carry_time_level_component_and_bot(captured: io.StringIO) -> None:
    logging.getLogger("traderagent.engine").warning(
        "order e1 rejected: no funds", extra={"bot": "grid-btc", "engine_ms": 1_677_628_800_000}
    )
    line = captured.getvalue().strip()
    stamp, level, component, bot, *rest = line.split()
    assert stamp.endswith("Z") and "T" in stamp
    assert (level, component, bot) == ("WARNING", "engine", "[grid-btc]")
    assert " ".join(rest) == "order e1 rejected: no funds (at 2023-03-01 00:00 UTC)"


def test_json_lines_carry_the_same_fields() -> None:
    stream = io.StringIO()
    setup = configure_logging("info", "json", stream=stream)
    try:
        logging.getLogger("traderagent.notify.telegram").info("sent %d alerts", 3)
        logging.getLogger("traderagent.notify.telegram").debug("not shown at info")
    finally:
        setup.close()
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert {k: record[k] for k in ("level", "component", "bot", "message")} == {
        "level": "INFO",
        "component": "notify.telegram",
        "bot": "-",
        "message": "sent 3 alerts",
    }


def test_the_log_file_rotates_in_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "paper.log"
    setup = configure_logging("info", to_stderr=False, log_file=path)
    try:
        logging.getLogger("traderagent.engine").info("into the file, api_key=zzzzzzzzzz")
    finally:
        setup.close()
    text = path.read_text(encoding="utf-8")
    assert "into the file" in text and "zzzzzzzzzz" not in text


def test_a_bad_level_or_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log level"):
        configure_logging("loud")
    with pytest.raises(ValueError, match="log format"):
        configure_logging("info", "xml")


def test_the_engine_s_refusals_fills_and_states_become_records(captured: io.StringIO) -> None:
    bus = EventBus()
    stop = EngineLogBridge().attach(bus)
    fill = Fill(
        "f1",
        "grid-btc-7",
        "BTCUSDT",
        Side.BUY,
        Decimal("2.2E+4"),
        Decimal("0.001"),
        Decimal("1E-6"),
        "BTC",
        Liquidity.MAKER,
        1_677_628_800_000,
        bot="grid-btc",
    )  # fmt: skip (a normalised price and fee: the line still prints plain digits)
    bus.publish(LogRecord(1_677_628_800_000, "warning", "order e1 rejected: no USDT", "grid-btc"))
    bus.publish(OrderFilled(1_677_628_800_000, fill))
    bus.publish(
        BotStateChanged(1, "grid-btc", BotState.RUNNING, BotState.EMERGENCY, "drawdown 20%")
    )
    bus.publish(LogRecord(1, "critical", "EMERGENCY HALT: drawdown 20%", "grid-btc"))
    stop()
    bus.publish(LogRecord(1, "error", "after the bridge stopped"))
    lines = captured.getvalue().splitlines()
    assert len(lines) == 4
    assert "WARNING  engine [grid-btc] order e1 rejected: no USDT" in lines[0]
    assert "INFO     engine [grid-btc] fill buy 0.001 BTCUSDT @ 22000 fee 0.000001 BTC" in lines[1]
    assert "RUNNING -> EMERGENCY: drawdown 20%" in lines[2]
    assert "CRITICAL engine [grid-btc] EMERGENCY HALT" in lines[3]
