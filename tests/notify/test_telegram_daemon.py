"""Telegram inside the daemon: `traderagent run --headless` with `telegram.enabled` talks to
the Bot API (a local server): it greets, alerts fills, obeys a whitelisted chat only, and
refuses to start without a token."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from botapi_server import TOKEN, running_bot_api
from kit.factories import write_config

CHAT = 4242
CONFIG = """\
replay: {{data: bundled, speed: 600}}
api: {{enabled: false}}
telegram: {{enabled: true, chat_ids: [{chat}], api_url: "{url}", poll_timeout_s: 1, batch_s: 0.5}}
bots:
  - name: grid-btc
    strategy: {{kind: grid, lower: "21000", upper: "25000", levels: 11, amount_per_level: "100"}}
"""


def daemon(tmp_path: Path, url: str, token: str | None) -> subprocess.Popen[str]:
    config = write_config(tmp_path, CONFIG.format(chat=CHAT, url=url))
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")}
    env["TRADERAGENT_CONFIG_DIR"] = str(tmp_path / "cfg")
    env.pop("TRADERAGENT_TELEGRAM_TOKEN", None)
    if token is not None:
        env["TRADERAGENT_TELEGRAM_TOKEN"] = token
    command = [sys.executable, "-m", "traderagent", "run", "--headless", "--config", str(config)]
    return subprocess.Popen(
        [*command, "--db", str(tmp_path / "daemon.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


async def test_the_daemon_greets_answers_a_whitelisted_chat_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    async with running_bot_api() as api:
        proc = daemon(tmp_path, api.url, TOKEN)
        try:
            await api.wait_for(lambda: any("is up" in t for t in api.texts(CHAT)), within_s=60)
            # a fill alert: the bot is trading (a pause before its first candle is refused)
            await api.wait_for(lambda: any("BUY" in t for t in api.texts(CHAT)), within_s=60)
            api.say(CHAT, "/pause grid-btc")
            await api.wait_for(lambda: any("paused" in t for t in api.texts(CHAT)), within_s=30)
            api.say(CHAT, "/bots")
            await api.wait_for(lambda: any("PAUSED" in t for t in api.texts(CHAT)), within_s=30)
            api.say(CHAT + 1, "/resume grid-btc")  # not whitelisted: ignored
            api.say(CHAT, "/bots")  # answered after the stranger's update was handled
            await api.wait_for(
                lambda: sum("PAUSED" in t for t in api.texts(CHAT)) >= 2, within_s=30
            )
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.to_thread(proc.communicate, timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert "run summary" in out
    summary_row = next(line for line in out.splitlines() if line.strip().startswith("grid-btc"))
    assert "PAUSED" in summary_row  # the stranger's /resume was not obeyed
    assert f"ignored /resume from chat {CHAT + 1}" in err  # logged, with no more than that
    assert all(m["chat"]["id"] == CHAT for m in api.sent)  # and got no reply
    assert TOKEN not in out + err


async def test_telegram_enabled_without_a_token_is_a_start_up_error(tmp_path: Path) -> None:
    async with running_bot_api() as api:
        proc = daemon(tmp_path, api.url, None)
        out, err = await asyncio.to_thread(proc.communicate, timeout=60)
    assert proc.returncode == 2
    assert "TRADERAGENT_TELEGRAM_TOKEN is not set" in err
    assert "Traceback" not in err
