"""The headless daemon: the engine, its REST + WebSocket API, and any extra services, on one
event loop until the data ends, a signal, or `--duration`.

SIGTERM/SIGINT stop the engine (resting orders left or cancelled as `api.on_shutdown` says;
the engine writes its final snapshot as its run ends), then the services, then the API.
With no screen, the engine's events (fills, an order refused with its reason, halts, the
venue reconnecting, errors) are logged as they happen (`traderagent.logs`: stderr and the
rotating log file the banner names); the summary counts the refusals.

With `fleet` (`run --headless --fleet`, alias `--standby`) the daemon is one of several with
one config on one database: each bot's lease is a row that expires (`storage.fleet`), and each
daemon runs its fair share of the bots (`traderagent.wiring.fleet_runner`), maybe none for now: its
engine and API run all the same. When a daemon dies its bots run in the others within the
lease's TTL plus a poll; a bot whose lease this daemon loses stops here alone. Its API lists
the whole fleet (`/api/v1/fleet`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import EXIT_ERROR, EXIT_OK
from traderagent.config import AppConfig, load_config
from traderagent.domain import BotState
from traderagent.engine.orchestrator import PAPER_RESET_HINT, Engine
from traderagent.facade import EngineAPI
from traderagent.logs import EngineLogBridge
from traderagent.summary import render_summary
from traderagent.wiring.fleet_runner import POLL_S, FleetRunner
from traderagent.wiring.launch import LaunchError, open_engine
from traderagent.wiring.runtime import Built, FleetOptions, database_target

if TYPE_CHECKING:
    from traderagent.api.routes_fleet import FleetSource
    from traderagent.api.server import ApiServer

_log = logging.getLogger(__name__)

Service = Callable[[EngineAPI], Awaitable[None]]
"""A long-running extra of the daemon (Telegram): started once the engine is built and the API
listens, cancelled when the engine has stopped."""


def config_loader(config_path: Path | None, speed: float | str | None) -> Callable[[], AppConfig]:
    """What a reload re-reads: the same file, with the same --speed override as at start."""

    def load() -> AppConfig:
        config = load_config(config_path)
        if speed is None:
            return config
        return config.model_copy(
            update={"replay": config.replay.model_copy(update={"speed": speed})}
        )

    return load


def daemon_services(config: AppConfig) -> list[Service]:
    """The services `config` switches on besides the API (Telegram); LaunchError (exit 2)
    when one is switched on but cannot start, e.g. its token is not in the environment."""
    services: list[Service] = []
    if config.telegram.enabled:
        from traderagent.notify.setup import TelegramSetupError, telegram_service

        try:
            services.append(telegram_service(config.telegram))
        except TelegramSetupError as err:
            raise LaunchError(str(err), 2) from None
    return services


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """Where the API listens: `config.api` overridden by --api-host, --api-port, --no-api."""

    enabled: bool
    host: str
    port: int


async def serve_headless(
    config: AppConfig,
    db: str | Path | None,
    duration: float | None,
    api: ApiOptions,
    reload: Callable[[], AppConfig],
    services: Sequence[Service] = (),
    log_file: Path | None = None,
    fleet: FleetOptions | None = None,
) -> int:
    """Run the engine headless until the data ends, a signal or `duration`; serve the API
    (unless `api.enabled` is off) and `services` meanwhile; the engine's events go to the log
    (`log_file` is named in the banner). With `fleet`, stand by first while the bots run in
    another daemon. The exit code (0), or LaunchError."""
    if fleet is not None:
        print(
            f"Fleet daemon {fleet.holder} (lease TTL {fleet.ttl_s:g} s: a dead daemon's bots "
            f"run elsewhere within {fleet.ttl_s + POLL_S:g} s)",
            flush=True,
        )
    built = await open_engine(config, db, fleet)
    engine = built.engine
    logged = f"; log {log_file}" if log_file is not None else ""
    print(
        f"TraderAgent {engine.mode} on {engine.data_label}; {len(engine.bots)} bot(s); "
        f"database {built.database}{logged}",
        flush=True,
    )
    stopper = _Stopper(engine, cancel_on_signal=config.api.on_shutdown == "cancel")
    stopper.install(duration)
    quiet = EngineLogBridge().attach(engine.bus)
    front = _ApiFront(engine, config, reload, fleet_source(built, fleet))
    running: list[asyncio.Task[None]] = []
    try:
        if api.enabled:
            await front.start(api, database_target(config, db), built.database)
            if built.member is not None and front.url:
                from storage.fleet import set_address

                built.member.address = front.url  # on the rows it claims from now on too
                await set_address(built.journal.database, built.member.holder, front.url)
        running = [asyncio.create_task(_guarded(s, engine), name="service") for s in services]
        if fleet is not None:
            runner = FleetRunner(built, config)
            print(f"fleet: this daemon runs {', '.join(engine.bots) or 'no bot yet'}", flush=True)
            running.append(asyncio.create_task(runner.run(), name="fleet"))
        summary = await engine.run()
    finally:
        stopper.remove()
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await front.stop()
        await stopper.wait()
        await engine.close()
        quiet()
    print(render_summary(summary))
    if engine.lease_lost:  # stopped because another process may run the bots now
        print(f"error: {engine.lease_lost}", file=sys.stderr)
        return EXIT_ERROR
    if any(bot.state is BotState.FINISHED for bot in engine.bots.values()):
        print(f"The replay has ended: {PAPER_RESET_HINT}.")
    return EXIT_OK


def fleet_source(built: Built, fleet: FleetOptions | None) -> FleetSource | None:
    """What `/api/v1/fleet` lists: every bot of the config, from the database's fleet lease
    rows (the state as its daemon journalled it; this daemon's own bots as they are now)."""
    if fleet is None:
        return None
    from storage.fleet import fleet as fleet_rows
    from traderagent.api.routes_fleet import FleetView

    database, engine = built.journal.database, built.engine
    names = [bot.name for bot in engine.config.bots] if engine.config is not None else []

    async def source() -> list[FleetView]:
        rows = {e.bot: e for e in await fleet_rows(database)}
        views = []
        for name in sorted({*names, *rows}):
            entry, here = rows.get(name), engine.bots.get(name)
            if entry is None:
                views.append(FleetView(bot=name, holder="", state="unclaimed"))
                continue
            views.append(
                FleetView(
                    bot=name,
                    holder=entry.holder,
                    host=entry.host,
                    pid=entry.pid,
                    address=entry.address,
                    generation=entry.generation,
                    expires_in_ms=entry.expires_in_ms,
                    live=entry.live,
                    here=here is not None and entry.holder == fleet.holder,
                    state=str(here.state) if here is not None else entry.state,
                )
            )
        return views

    return source


async def _guarded(service: Service, engine: EngineAPI) -> None:
    """Run a service; if it fails, say so and let the engine trade on."""
    try:
        await service(engine)
    except Exception as err:  # a broken notifier must not take the engine down
        name = getattr(service, "__name__", type(service).__name__)
        _log.warning("service %s stopped: %s: %s", name, type(err).__name__, err)


class _Stopper:
    """The signal handlers and the --duration timer: each asks the engine to shut down."""

    def __init__(self, engine: Engine, cancel_on_signal: bool) -> None:
        self.engine = engine
        self.cancel_on_signal = cancel_on_signal
        self._loop = asyncio.get_running_loop()
        self._tasks: list[asyncio.Task[None]] = []
        self._timer: asyncio.TimerHandle | None = None

    def install(self, duration: float | None) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.add_signal_handler(sig, self.request, f"signal {sig.name}", True)
        if duration is not None:
            reason = f"duration of {duration:g}s reached"
            self._timer = self._loop.call_later(duration, self.request, reason, False)

    def request(self, reason: str, by_signal: bool) -> None:
        if self._tasks:
            return  # already stopping
        self.engine.finish_reason = self.engine.finish_reason or reason
        cancel = by_signal and self.cancel_on_signal
        self._tasks.append(self._loop.create_task(self.engine.shutdown(cancel_orders=cancel)))

    def remove(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.remove_signal_handler(sig)

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks)


class _ApiFront:
    """The API server and the daemon marker, started and stopped together."""

    def __init__(
        self,
        engine: Engine,
        config: AppConfig,
        reload: Callable[[], AppConfig],
        fleet: FleetSource | None = None,
    ):
        self.engine = engine
        self.config = config
        self.reload = reload
        self.fleet = fleet
        self.url = ""
        self._server: ApiServer | None = None
        self._marker: Path | None = None

    async def start(self, api: ApiOptions, target: str | Path, label: str) -> None:
        from traderagent.api.app import create_app
        from traderagent.api.latency import ExchangeLatency
        from traderagent.api.marker import marker_path, write_marker
        from traderagent.api.server import ApiServer, ApiStartError
        from traderagent.api.token import TokenError, daemon_token, token_path

        try:
            token, created = daemon_token()
            latency = ExchangeLatency()
            latency.instrument(self.engine.exchange)
            app = create_app(
                self.engine,
                token,
                config_source=self.reload,
                stream_buffer=self.config.api.stream_buffer,
                latency=latency,
                fleet=self.fleet,
            )
            server = ApiServer(app, api.host, api.port)
            url = await server.start()
            self.url = url
        except (TokenError, ApiStartError) as err:
            raise LaunchError(f"API: {err}", 1) from None
        self._server = server
        self._marker = marker_path(target, label)
        write_marker(self._marker, url, label)
        if created:  # never the token itself: stdout ends up in container and service logs
            print(
                f"API token created in {token_path()} (mode 0600; print it with "
                "`traderagent api-token`)",
                flush=True,
            )
        print(f"API listening on {url} (the token: `traderagent api-token`)", flush=True)

    async def stop(self) -> None:
        from traderagent.api.marker import remove_marker

        if self._marker is not None:
            remove_marker(self._marker)
            self._marker = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
