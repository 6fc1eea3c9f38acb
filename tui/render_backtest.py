"""Pure render of a backtest's result: its summary as text."""

from __future__ import annotations

from rich.text import Text

from traderagent.clock import format_ts
from tui.backtest_run import BacktestResult
from tui.render import money, signed_money, state_label


def result_text(result: BacktestResult) -> Text:
    """Period, fills, fees, PnL and equity, then one line per bot."""
    s = result.summary
    pnl = s.final_equity - s.starting_equity
    pct = pnl / s.starting_equity * 100 if s.starting_equity else 0
    lines = [
        Text(f"{format_ts(s.started_ms)} → {format_ts(s.ended_ms)} UTC ({s.candles:,} candles)"),
        Text(f"data {result.period} · stopped by {s.reason}", style="dim"),
        Text(f"orders {s.orders_placed:,}  fills {s.fills:,}  fees {s.fees:,.4f}"),
        Text.assemble("realised PnL ", signed_money(s.realised_pnl)),
        Text.assemble(
            f"equity {money(s.starting_equity)} → {money(s.final_equity)} (",
            signed_money(pnl),
            f", {pct:+.2f}%)",
        ),
    ]
    for bot in s.bots:
        lines.append(
            Text.assemble(
                f"  {bot.name} ",
                state_label(bot.state),
                f"  fills {bot.fills}  realised ",
                signed_money(bot.realised_pnl),
            )
        )
    return Text("\n").join(lines)
