"""Serving the emulator: the Starlette app, uvicorn in-process, and the test handle.

`running_emulator(...)` starts the whole venue on a local port inside the caller's event loop
and yields an `Emulator` with its URLs, credentials, test hooks and ground-truth records.
With `speed=None` the replay stands still until `await emu.step(n)`; with a speed it runs on
its own at `speed` simulated seconds per wall second (steps can still be forced).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from traderagent.exchanges.emulator.core import EmulatorCore, wall_clock_ms
from traderagent.exchanges.emulator.faults import FaultSpec, parse_faults
from traderagent.exchanges.emulator.funding import DEFAULT_FUNDING_RATE
from traderagent.exchanges.emulator.injector import InjectedFault
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.exchanges.emulator.rest import routes
from traderagent.exchanges.emulator.signing import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    Credentials,
)
from traderagent.exchanges.emulator.ws import private_endpoint, public_endpoint
from traderagent.exchanges.fee_rules import (
    LINEAR_MAKER_FEE,
    LINEAR_TAKER_FEE,
    SPOT_MAKER_FEE,
    SPOT_TAKER_FEE,
    FeeRules,
)
from traderagent.exchanges.paper import FillModel
from traderagent.exchanges.paper.linear import FundingRates
from traderagent.marketdata import CandleSeries


def build_app(core: EmulatorCore) -> Starlette:
    """The ASGI app of `core`: REST under /v5/..., WS at /v5/public/{category} and /v5/private."""
    return Starlette(
        routes=[
            *routes(core),
            WebSocketRoute("/v5/public/{category}", public_endpoint(core)),
            WebSocketRoute("/v5/private", private_endpoint(core)),
        ]
    )


class Emulator:
    """A running emulator: where to reach it, what it accepts, and hooks for tests."""

    def __init__(self, core: EmulatorCore, host: str, port: int) -> None:
        self.core = core
        self.host = host
        self.port = port
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.rest_url = f"http://{netloc}"
        self._ws_base = f"ws://{netloc}"

    def __repr__(self) -> str:
        return f"Emulator({self.rest_url}, key={self.api_key!r})"

    def public_ws_url(self, category: str = "linear") -> str:
        return f"{self._ws_base}/v5/public/{category}"

    @property
    def private_ws_url(self) -> str:
        return f"{self._ws_base}/v5/private"

    @property
    def api_key(self) -> str:
        return self.core.credentials.api_key

    @property
    def api_secret(self) -> str:
        return self.core.credentials.api_secret

    async def step(self, n: int = 1) -> int:
        """Close the next `n` candles now (fills and pushes happen); returns how many closed."""
        done = self.core.step(n)
        await asyncio.sleep(0)  # let the connections' senders run
        return done

    async def walk_step(self, paused: Callable[[], Awaitable[None]]) -> bool:
        """Close the next candle as `step(1)` does, but awaiting `paused()` after each linear
        fill (`EmulatorCore.walk_step`): a lockstep driver waits there until its client has
        reacted, so the client's cancels apply from that point of the candle's path. False
        at the end of the replay."""
        if self.core.replay.finished:
            return False
        for _ in self.core.walk_step():
            await asyncio.sleep(0)  # let the connections' senders run
            await paused()
        await asyncio.sleep(0)
        return True

    def now_ms(self) -> int:
        """Market time: the close of the last replayed candle."""
        return self.core.now_ms()

    @property
    def finished(self) -> bool:
        return self.core.replay.finished

    def orders(self) -> list[OrderRecord]:
        """Every order the venue accepted, in creation order, in its latest state."""
        return self.core.ledger.orders()

    def executions(self) -> list[ExecutionRecord]:
        """Every execution, oldest first."""
        return self.core.ledger.executions()

    def balances(self) -> dict[str, Decimal]:
        """The wallet balance (free plus locked) of every coin the account has held."""
        return {asset: b.total for asset, b in self.core.ledger.wallet.snapshot().items()}

    def opening_balances(self) -> dict[str, Decimal]:
        """The balances the account started with."""
        return dict(self.core.ledger.opening_balances)

    def faults_injected(self) -> list[InjectedFault]:
        return self.core.injector.injected()


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the owner of the loop decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@asynccontextmanager
async def running_emulator(
    candles: CandleSeries | Sequence[CandleSeries],
    *,
    speed: float | None = None,
    faults: str | FaultSpec | None = None,
    port: int = 0,
    host: str = "127.0.0.1",
    balances: Mapping[str, Decimal | str | int] | None = None,
    api_key: str = DEFAULT_API_KEY,
    api_secret: str = DEFAULT_API_SECRET,
    warmup: int = 1,
    spread_bps: float = 2.0,
    fill_model: FillModel = "pessimistic",
    maker_fee: Decimal = SPOT_MAKER_FEE,
    taker_fee: Decimal = SPOT_TAKER_FEE,
    linear_maker_fee: Decimal = LINEAR_MAKER_FEE,
    linear_taker_fee: Decimal = LINEAR_TAKER_FEE,
    rate_limits: Mapping[str, int] | None = None,
    wall_ms: Callable[[], int] = wall_clock_ms,
    funding_rate: Decimal | str = DEFAULT_FUNDING_RATE,
    align_to_wall: bool = False,
    funding_rates: FundingRates | None = None,
) -> AsyncIterator[Emulator]:
    """Serve an emulator on `host:port` (0: a free port) for the duration of the block.

    `faults` is a spec string (see `faults`) or a FaultSpec; `rate_limits` overrides the
    per-endpoint budgets by path; `wall_ms` replaces the wall clock (tests). `maker_fee` and
    `taker_fee` are the spot rates (a buy pays in base), `linear_*` the perpetuals' (in USDT).
    `funding_rate` is charged on linear positions every 8 h (0: no funding), or the rates of
    `funding_rates` (e.g. a funding file's) when given (also the funding history it serves);
    `align_to_wall` moves the replay so its "now" is the wall clock's (see `funding`).
    """
    if speed is not None and speed <= 0:
        raise ValueError(f"speed must be positive (or None to step by hand), got {speed}")
    spec = faults if isinstance(faults, FaultSpec) else parse_faults(faults)
    core = EmulatorCore(
        [candles] if isinstance(candles, CandleSeries) else list(candles),
        balances=None if balances is None else {k: Decimal(v) for k, v in balances.items()},
        credentials=Credentials(api_key, api_secret),
        faults=spec,
        warmup=warmup,
        spread_bps=spread_bps,
        fill_model=fill_model,
        spot_fees=FeeRules(maker_fee, taker_fee, "spot"),
        linear_fees=FeeRules(linear_maker_fee, linear_taker_fee, "linear"),
        rate_limits=rate_limits,
        wall_ms=wall_ms,
        funding_rate=Decimal(funding_rate),
        align_to_wall=align_to_wall,
        funding_rates=funding_rates,
    )
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it each answer (headers, then body) waits ~40 ms on Nagle and the client's delayed ACK
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        build_app(core), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    autoplay: asyncio.Task[None] | None = None
    try:
        while not server.started:
            if serving.done():
                await serving  # raises what stopped it
                raise OSError(f"the emulator could not start on {host}:{port}")
            await asyncio.sleep(0.01)
        if speed is not None:
            autoplay = asyncio.create_task(_autoplay(core, speed))
        yield Emulator(core, host, sock.getsockname()[1])
    finally:
        if autoplay is not None:
            autoplay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await autoplay
        core.stopping.set()
        server.should_exit = True
        await serving
        sock.close()


async def _autoplay(core: EmulatorCore, speed: float) -> None:
    """Close each step when its market time comes, at `speed` x real time, anchored at start."""
    loop = asyncio.get_running_loop()
    anchor_wall, anchor_market = loop.time(), core.now_ms()
    while (due_market := core.replay.next_close_ms()) is not None:
        delay = anchor_wall + (due_market - anchor_market) / 1000 / speed - loop.time()
        await asyncio.sleep(max(delay, 0))
        core.step(1)
