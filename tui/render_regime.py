"""How a market regime reads on screen: its mark and colour, and how long it has held."""

from __future__ import annotations

from rich.text import Text

from traderagent.domain import Regime

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
