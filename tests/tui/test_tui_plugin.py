"""A user's strategy (`kind: custom`, the worked example) paper-trades in the TUI on the
embedded engine: the bots pane shows it, it places orders, `p` pauses it."""

from __future__ import annotations

from pathlib import Path

from tui_waits import settle

from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.wiring.runtime import build_engine
from tui.app import TraderAgentApp
from tui.widgets.bots_table import BotsTable

ROOT = Path(__file__).resolve().parents[2]
CONFIG = f"""\
mode: paper
replay: {{data: bundled, speed: 36000}}
paper: {{balances: {{USDT: "10000"}}}}
bots:
  - name: breakout
    symbol: BTCUSDT
    strategy:
      kind: custom
      path: "{ROOT / "examples" / "strategies" / "bollinger_breakout.py"}:BollingerBreakout"
"""


async def test_a_plugin_strategy_paper_trades_in_the_tui(tmp_path: Path) -> None:
    built = await build_engine(parse_config(CONFIG, "plugin.yaml", {}), tmp_path / "tui.db")
    engine = built.engine
    bot = engine.bots["breakout"]
    app = TraderAgentApp(engine)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.dashboard.query_one(BotsTable)
        await settle(pilot, lambda: "breakout" in table.row_keys, timeout_s=60)
        await settle(pilot, lambda: bot.orders_placed > 0, timeout_s=180)
        assert table.get_cell("breakout", "strategy").plain == "bollinger_breakout"
        await pilot.press("p")
        assert bot.state is BotState.PAUSED
        await settle(pilot, lambda: "PAUSED" in table.get_cell("breakout", "state").plain)
        await pilot.press("q", "l")
    await engine.close()
