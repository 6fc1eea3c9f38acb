"""Pure render of the selected bot's detail: position, PnL, regime inputs and parameters."""

from __future__ import annotations

from rich.text import Text

from traderagent.facade import BotSnapshot, EngineSnapshot, RegimeView
from tui.render import money, position_text, price_text, signed_money, state_label
from tui.render_book import LIQUIDATION_STYLES, liquidation_text
from tui.render_chart import LEGEND
from tui.render_regime import duration_text, regime_label


def regime_lines(view: RegimeView | None, now_ms: int) -> list[Text]:
    """Regime, time in it, ADX, ATR %, EMA spread and the route."""
    if view is None:
        return [Text("Regime  no classifier for this symbol", style="dim")]
    reading = view.reading
    lines = [Text.assemble("Regime  ", regime_label(reading.regime))]
    if reading.regime is None:
        return lines
    lines[0].append(f" for {duration_text(now_ms - reading.since_ms)}")
    spread = (
        (reading.ema_fast - reading.ema_slow) / reading.ema_slow * 100 if reading.ema_slow else 0
    )
    lines.append(
        Text(f"  ADX {reading.adx:.1f}  ATR {reading.atr_pct:.2f}%  EMA spread {spread:+.2f}%")
    )
    if reading.candidate is not None and reading.candidate != reading.regime:
        lines.append(Text(f"  next? {reading.candidate.value}", style="italic"))
    if view.route:
        lines.append(Text(f"  routes to {view.route}"))
    return lines


def bot_detail(bot: BotSnapshot, snapshot: EngineSnapshot) -> Text:
    """Everything the operator needs about one bot, one fact per line, label first."""
    lines = [
        Text.assemble((bot.name, "bold"), f"  {bot.symbol}  {bot.strategy}"),
        state_label(bot.state),
    ]
    if bot.state_reason:
        lines.append(Text(f"  {bot.state_reason}", style="dim"))
    position = f"Position {position_text(bot)}"
    if bot.position_qty:
        position += f" @ {money(bot.avg_price)}"
    lines.append(Text(position))
    if bot.last_price is not None:
        lines.append(Text(f"  last {price_text(bot.last_price)}"))
    if bot.stop_price is not None:
        lines.append(Text(f"  stop x {money(bot.stop_price)}", style="magenta"))
    if bot.liquidation_price is not None:
        style = LIQUIDATION_STYLES.get(bot.liquidation_level, "")
        lines.append(Text(f"  liquidation {liquidation_text(bot)}", style=style))
    lines.append(
        Text.assemble(
            "PnL unreal. ",
            signed_money(bot.unrealised_pnl),
            "  real. ",
            signed_money(bot.realised_pnl),
        )
    )
    lines.append(
        Text(f"Orders {bot.open_orders} open, {bot.orders_placed} placed  Fills {bot.fills}")
    )
    if bot.unknown_orders:
        lines.append(
            Text(
                f"  {bot.unknown_orders} of unknown fate (answer lost): asking the exchange",
                style="bold yellow",
            )
        )
    funding = f"  funding {bot.funding:.4f}" if bot.funding else ""  # perpetuals only
    lines.append(Text(f"Fees {bot.fees:.4f}{funding}"))
    view = next((v for v in snapshot.regimes if v.reading.symbol == bot.symbol), None)
    lines.extend(regime_lines(view, snapshot.clock_ms))
    if bot.detail:
        lines.append(Text(f"Now  {bot.detail}", style="italic"))
    if bot.parameters:
        lines.append(Text("Parameters", style="bold"))
        lines.extend(Text(f"  {name} {value}") for name, value in bot.parameters)
    lines.append(Text(LEGEND, style="dim"))
    return Text("\n").join(lines)
