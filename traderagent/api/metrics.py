"""`/metrics` in Prometheus text format, from a registry of this app's own.

Engine figures are read from one snapshot per scrape (nothing is kept in step with the engine
by hand); exchange latency comes from `ExchangeLatency`, the bus figures from `EngineObserver`
and the WebSocket clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from traderagent.api.latency import ExchangeLatency
from traderagent.api.observer import EngineObserver
from traderagent.domain import BotState
from traderagent.facade import EngineAPI

PREFIX = "traderagent_"


@dataclass
class StreamStats:
    """The WebSocket clients: connected now, and dropped for falling behind."""

    clients: int = 0
    dropped_clients: int = 0


class EngineCollector:
    """Collects the engine's figures at scrape time."""

    def __init__(self, engine: EngineAPI, observer: EngineObserver, streams: StreamStats) -> None:
        self.engine = engine
        self.observer = observer
        self.streams = streams

    def collect(self) -> Iterator[Metric]:
        snap = self.engine.snapshot()
        state = GaugeMetricFamily(
            PREFIX + "bot_state", "1 for the state each bot is in", labels=["bot", "state"]
        )
        orders = GaugeMetricFamily(PREFIX + "open_orders", "Resting orders", labels=["bot"])
        trades = CounterMetricFamily(PREFIX + "trades", "Fills since start", labels=["bot"])
        placed = CounterMetricFamily(PREFIX + "orders_placed", "Orders placed", labels=["bot"])
        unknown = GaugeMetricFamily(
            PREFIX + "unknown_orders",
            "Orders whose create answer was lost, not yet answered for by the exchange",
            labels=["bot"],
        )
        realised = GaugeMetricFamily(
            PREFIX + "realised_pnl", "Realised PnL (quote)", labels=["bot"]
        )
        crashes = CounterMetricFamily(
            PREFIX + "bot_task_crashes",
            "Times a bot's handling crashed (restarted with backoff; EMERGENCY after three)",
            labels=["bot"],
        )
        for bot in snap.bots:
            crashes.add_metric([bot.name], bot.crashes)
            for value in BotState:
                state.add_metric([bot.name, value.value], 1.0 if bot.state is value else 0.0)
            orders.add_metric([bot.name], bot.open_orders)
            trades.add_metric([bot.name], bot.fills)
            placed.add_metric([bot.name], bot.orders_placed)
            unknown.add_metric([bot.name], bot.unknown_orders)
            realised.add_metric([bot.name], float(bot.realised_pnl))
        yield from (state, orders, trades, placed, unknown, realised, crashes)
        yield GaugeMetricFamily(
            PREFIX + "venue_degraded",
            "1 while the venue connection is troubled or the engine waits out an outage",
            1.0 if snap.venue_status else 0.0,
        )
        stale = GaugeMetricFamily(
            PREFIX + "market_data_stale",
            "1 for a symbol without a candle for three intervals (its bots open nothing)",
            labels=["symbol"],
        )
        for symbol in snap.stale_symbols:
            stale.add_metric([symbol], 1.0)
        yield stale
        yield GaugeMetricFamily(PREFIX + "equity", "Account equity (quote)", float(snap.equity))
        balance = GaugeMetricFamily(
            PREFIX + "balance", "Account balance of each asset", labels=["asset", "part"]
        )
        for held in snap.balances:
            balance.add_metric([held.asset, "free"], float(held.free))
            balance.add_metric([held.asset, "locked"], float(held.locked))
        yield balance
        yield GaugeMetricFamily(
            PREFIX + "starting_equity", "Equity at the first price", float(snap.starting_equity)
        )
        yield GaugeMetricFamily(
            PREFIX + "daily_pnl", "Equity change since the UTC day began", _num(snap.day_pnl)
        )
        yield GaugeMetricFamily(
            PREFIX + "drawdown_pct", "Fall of equity from its peak, %", _num(snap.drawdown_pct)
        )
        ratio = GaugeMetricFamily(
            PREFIX + "risk_limit_used_ratio", "Share of each limit used", labels=["owner", "limit"]
        )
        for limit in snap.risk_limits:
            ratio.add_metric([limit.owner or "account", limit.limit], limit.ratio)
        yield ratio
        yield from self._bus()

    def _bus(self) -> Iterator[Metric]:
        observer, streams = self.observer, self.streams
        yield GaugeMetricFamily(
            PREFIX + "bus_lag_seconds",
            "From an event's publication to the API's subscriber handling it (last batch)",
            observer.bus_lag_s,
        )
        yield GaugeMetricFamily(
            PREFIX + "event_loop_lag_seconds",
            "How late the event loop woke a timer (delays every async bus consumer)",
            observer.loop_lag_s,
        )
        events = CounterMetricFamily(PREFIX + "bus_events", "Bus events seen", labels=["type"])
        for kind, count in sorted(observer.events.items()):
            events.add_metric([kind], count)
        yield events
        yield CounterMetricFamily(
            PREFIX + "bus_events_dropped",
            "Events the API's subscriber missed for falling a buffer behind",
            observer.dropped,
        )
        yield GaugeMetricFamily(
            PREFIX + "stream_clients", "WebSocket clients connected", streams.clients
        )
        yield CounterMetricFamily(
            PREFIX + "stream_clients_dropped",
            "WebSocket clients closed for falling a whole buffer behind",
            streams.dropped_clients,
        )


def _num(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def metrics_registry(
    engine: EngineAPI, observer: EngineObserver, streams: StreamStats, latency: ExchangeLatency
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, observer, streams))
    registry.register(latency.histogram)
    return registry
