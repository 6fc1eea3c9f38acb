"""Pure render of the regime pane: one line per symbol, from `RegimeView`s."""

from __future__ import annotations

from rich.text import Text

from traderagent.domain import Regime
from traderagent.facade import RegimeView

REGIME_STYLES: dict[Regime, tuple[str, str]] = {
    Regime.TIGHT_RANGE: ("↔", "cyan"),
    Regime.WIDE_RANGE: ("⇔", "cyan"),
    Regime.QUIET_TRANSITION: ("~", "yellow"),
    Regime.VOLATILE_TRANSITION: ("≈", "bold yellow"),
    Regime.BULL_TREND: ("▲", "bold green"),
    Regime.BEAR_TREND: ("▼", "bold red"),
}


def duration_text(ms: int) -> str:
    """`2d 3h`, `5h 12m`, `14m`: the two largest units."""
    minutes = max(ms, 0) // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def regime_label(regime: Regime | None) -> Text:
    if regime is None:
        return Text("… warming up", style="dim")
    symbol, style = REGIME_STYLES[regime]
    return Text(f"{symbol} {regime.value}", style=style)


def regime_line(view: RegimeView, now_ms: int) -> Text:
    """`BTCUSDT ▲ BULL_TREND 5h 12m │ ADX 35.2 +DI 31/-DI 12 │ ATR 0.42% │ EMA20 > EMA50 │ → ...`"""
    reading = view.reading
    line = Text.assemble((reading.symbol, "bold"), " ", regime_label(reading.regime))
    if reading.regime is None:
        return line
    line.append(f" {duration_text(now_ms - reading.since_ms)}", style="dim")
    if reading.candidate is not None and reading.candidate != reading.regime:
        line.append(f" (next? {reading.candidate.value})", style="italic")
    ema_relation = ">" if reading.ema_fast > reading.ema_slow else "<"
    line.append(
        f" │ ADX {reading.adx:.1f} +DI {reading.plus_di:.0f}/-DI {reading.minus_di:.0f}"
        f" │ ATR {reading.atr_pct:.2f}% │ EMA20 {ema_relation} EMA50"
    )
    if view.route:
        line.append(" │ → ")
        line.append(view.route, style="bold")
    return line


def regime_text(views: tuple[RegimeView, ...], now_ms: int) -> Text:
    if not views:
        return Text("regime: no classifier bar yet", style="dim")
    return Text("\n").join(regime_line(view, now_ms) for view in views)
