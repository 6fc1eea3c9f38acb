"""The console attached to a running daemon: the same app on a `RemoteEngine`.

Keys act on the daemon through its API. Quitting detaches (the daemon and its orders run on),
and `r` asks the daemon to re-read its own config file.
"""

from __future__ import annotations

import asyncio
import sys

from traderagent.api.client import RemoteEngine, RemoteError
from traderagent.api.token import client_token
from traderagent.facade import ReloadReport
from tui.app import TraderAgentApp
from tui.screens.quit_confirm import QuitConfirmScreen

CONNECTION_CHECK_S = 1.0


class AttachedApp(TraderAgentApp):
    """TraderAgentApp over a daemon: detach instead of stopping the engine."""

    def __init__(self, engine: RemoteEngine) -> None:
        fleet = engine.fleet if engine.in_fleet else None  # a Fleet tab: where each bot runs
        super().__init__(engine, title=f"TraderAgent @ {engine.url}", fleet=fleet)
        self.remote = engine
        self._problem = ""

    def action_backtest(self) -> None:
        # the screen's worker replays here: say so, the daemon's engine is not the one running it
        from tui.screens.backtest import BacktestScreen  # numba with it: see TraderAgentApp

        title = "Backtest on this machine (the daemon trades on): paper exchange, in memory"
        self.push_screen(BacktestScreen(self.config_path, title=title))

    def on_ready(self) -> None:
        # Textual calls TraderAgentApp.on_ready (the engine worker) after this one by itself
        self.note(f"attached to the daemon at {self.remote.url}; q detaches, the daemon runs on")
        self.set_interval(CONNECTION_CHECK_S, self._watch_connection)

    def _watch_connection(self) -> None:
        """Say once when the daemon stops answering (the panes show its last state meanwhile),
        and once when it answers again."""
        problem = self.remote.problem
        if problem == self._problem:
            return
        if problem:
            self.note(problem, level="WARNING")
            self.notify(problem, title="Daemon connection", severity="warning", timeout=10)
        else:
            self.note(f"the daemon at {self.remote.url} answers again")
        self._problem = problem

    async def action_quit(self) -> None:
        orders = len(self.remote.snapshot().open_orders)
        self.push_screen(QuitConfirmScreen(orders, self.remote.url), callback=self._quit_answered)

    async def action_reload(self) -> None:
        """The daemon re-reads the config file it was started with and applies what it can."""
        reports: list[ReloadReport] = []

        async def reload() -> None:
            reports.append(await self.remote.reload_daemon_config())

        if await self.operator.command(reload()):
            self._tell_reload(reports[0])


async def run_attached(url: str, token: str | None, duration: float | None = None) -> int:
    """Attach the console to the daemon at `url` until the operator detaches."""
    token = client_token(token)
    if not token:
        print(
            "error: no API token: set TRADERAGENT_API_TOKEN to the daemon's token (run "
            "`traderagent api-token` on the daemon's machine), or keep it in the token file",
            file=sys.stderr,
        )
        return 1
    remote = RemoteEngine(url, token)
    try:
        await remote.connect()
    except RemoteError as err:
        print(f"error: {err}", file=sys.stderr)
        await remote.close()
        return 1
    app = AttachedApp(remote)
    timer = None
    if duration is not None:
        timer = asyncio.get_running_loop().call_later(duration, app.exit)
    try:
        await app.run_async()
    finally:
        if timer is not None:
            timer.cancel()
        await remote.close()
    return app.return_code or 0
