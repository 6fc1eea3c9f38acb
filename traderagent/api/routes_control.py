"""The account-wide commands: emergency halt, its acknowledgement, and config reload."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from fastapi import FastAPI

from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.responses import NOT_FOUND, REFUSED
from traderagent.api.schemas import AckRequest, HaltRequest, ReloadRequest
from traderagent.config import AppConfig, parse_config
from traderagent.domain import BotState
from traderagent.facade import BotSnapshot, CommandError, ReloadReport


def config_from_body(data: dict[str, Any]) -> AppConfig:
    """A config sent as a JSON object, checked as a YAML file is (ConfigError names the field).

    Nothing is substituted from the daemon's environment: `${VAR}` must arrive resolved."""
    return parse_config(json.dumps(data), "request body", {})


def add_control_routes(app: FastAPI, ctx: ApiContext) -> None:
    tag: list[str | Enum] = ["control"]
    engine = ctx.engine

    @app.post(
        f"{PREFIX}/halt",
        tags=tag,
        response_model=list[BotSnapshot],
        responses={**NOT_FOUND, **REFUSED},
    )
    async def halt(body: HaltRequest | None = None) -> list[BotSnapshot]:
        """Emergency halt of one bot or every bot: freeze, cancel open orders, notify."""
        body = body or HaltRequest()
        if body.bot is not None:
            ctx.bot(body.bot)
        await engine.halt(body.bot, reason=body.reason)
        bots = engine.snapshot().bots
        return [b for b in bots if body.bot is None or b.name == body.bot]

    @app.post(
        f"{PREFIX}/halt/ack",
        tags=tag,
        response_model=list[BotSnapshot],
        responses={**NOT_FOUND, **REFUSED},
    )
    async def acknowledge(body: AckRequest | None = None) -> list[BotSnapshot]:
        """Acknowledge an emergency: the bot (or every bot in EMERGENCY) goes to STOPPED."""
        body = body or AckRequest()
        if body.bot is not None:
            names = [ctx.bot(body.bot).name]
        else:
            names = [b.name for b in engine.snapshot().bots if b.state is BotState.EMERGENCY]
            if not names:
                raise CommandError("no bot is in EMERGENCY: nothing to acknowledge")
        for name in names:
            await engine.acknowledge(name)
        return [b for b in engine.snapshot().bots if b.name in names]

    @app.post(f"{PREFIX}/config/reload", tags=tag, response_model=ReloadReport, responses=REFUSED)
    async def reload(body: ReloadRequest | None = None) -> ReloadReport:
        """Apply what can change safely while the engine runs; the rest is refused, saying
        why. Without `config` the daemon re-reads the file it was started with."""
        sent = body.config if body is not None else None
        config = config_from_body(sent) if sent is not None else ctx.daemon_config()
        return await engine.reload_config(config)
