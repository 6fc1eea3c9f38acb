"""Immutable views of a running engine: what panes, summaries and (later) the API render."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

from traderagent.domain import ZERO, Balance, Fill, Side
from traderagent.engine.liquidation_band import DEFAULT_WARNING_PCT, position_band
from traderagent.engine.state import EngineView, ViewedBot
from traderagent.facade import (
    BotChart,
    BotSnapshot,
    ChartFill,
    ChartLevel,
    EngineSnapshot,
    RegimeView,
    RiskLimitView,
    RunSummary,
)

if TYPE_CHECKING:
    from traderagent.config.models import BotConfig

HUNDRED = Decimal(100)


def unpriced(
    balances: Mapping[str, Balance], prices: Mapping[str, Decimal], quote: str
) -> list[str]:
    """Assets held that `valuation` cannot value yet (no price seen): while there is one, or no
    balance was read yet, the equity is not known (a restart before its first candle)."""
    return [
        asset
        for asset, balance in balances.items()
        if asset != quote and balance.total and f"{asset}{quote}" not in prices
    ]


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        elif key != "kind" and value is not None:
            yield f"{prefix}{key}", str(value)


def bot_parameters(config: BotConfig | None) -> tuple[tuple[str, str], ...]:
    """The bot's strategy (or router) settings as (name, value) pairs, nested names dotted."""
    if config is None:
        return ()
    section = config.strategy if config.strategy is not None else config.router
    if section is None:
        return ()
    dumped = section.model_dump(mode="json", exclude_none=True, exclude={"routes"})
    return tuple(_flatten(dumped))


def stop_price(bot: ViewedBot) -> Decimal | None:
    """The price at which the bot's `stop_loss_pct` would sell its position (buy back a
    perpetual's short: that far above its entry)."""
    pair = bot.risk.pair if bot.risk is not None else None
    if pair is None or pair.stop_loss_pct is None or not bot.position.qty:
        return None
    if bot.position.qty < 0:
        return bot.position.avg_price * (HUNDRED + pair.stop_loss_pct) / HUNDRED
    return bot.position.avg_price * (HUNDRED - pair.stop_loss_pct) / HUNDRED


def bot_snapshot(
    bot: ViewedBot,
    config: BotConfig | None = None,
    crashes: int = 0,
    warning_pct: Decimal = DEFAULT_WARNING_PCT,
) -> BotSnapshot:
    position = bot.position
    mark = bot.last_price
    liq = position_band(bot.perpetual, bot.symbol, position.qty, mark, warning_pct)
    return BotSnapshot(
        name=bot.name,
        symbol=bot.symbol,
        strategy=bot.strategy.kind,
        state=bot.state,
        position_qty=position.qty,
        avg_price=position.avg_price,
        realised_pnl=position.realised_pnl,
        unrealised_pnl=position.unrealised(mark) if mark is not None else ZERO,
        fees=position.fees,
        funding=position.funding,
        orders_placed=bot.orders_placed,
        fills=bot.fills,
        open_orders=len(bot.orders),
        orders_rejected=bot.orders_rejected,
        allocator_refused=bot.allocator_refusals,
        unknown_orders=len(bot.unsure),
        last_price=mark,
        detail=bot.strategy.describe() if bot.strategy_started else "waiting for the first price",
        state_reason=bot.state_reason,
        parameters=bot_parameters(config),
        stop_price=stop_price(bot),
        quote=bot.instrument.quote,
        budget=(
            bot.allocator.budget(bot.name, bot.funds.equity)
            if bot.allocator is not None and bot.funds is not None
            else None
        ),
        committed=bot.committed_capital(),
        crashes=crashes,
        data_hold=bot.data_hold,
        liquidation_price=liq.price,
        liquidation_distance_pct=liq.distance_pct,
        liquidation_level=liq.level,
    )


def engine_snapshot(engine: EngineView) -> EngineSnapshot:
    equity = engine.equity
    configs = {b.name: b for b in engine.config.bots} if engine.config is not None else {}
    watch = engine.equity_watch
    valued = bool(engine.balances) and not unpriced(
        engine.balances, engine.prices, engine.quote_asset
    )
    observed = watch is not None and watch.day is not None and valued
    warn = watch.config.liquidation_warning_pct if watch is not None else DEFAULT_WARNING_PCT
    orders = tuple(
        sorted(
            (o for bot in engine.bots.values() for o in bot.orders.values()),
            key=lambda o: o.price if o.price is not None else ZERO,
            reverse=True,
        )
    )
    return EngineSnapshot(
        mode=engine.mode,
        venue=engine.exchange.name,
        clock_ms=engine.clock.now_ms(),
        equity=equity,
        starting_equity=engine.starting_equity if engine.starting_equity is not None else equity,
        equity_valued=valued,
        bots=tuple(
            bot_snapshot(bot, configs.get(bot.name), engine.health.crashes.get(bot.name, 0), warn)
            for bot in engine.bots.values()
        ),
        open_orders=orders,
        recent_fills=tuple(engine.recent_fills),
        balances=tuple(engine.balances[asset] for asset in sorted(engine.balances)),
        running=engine.running,
        finished=engine.finished,
        data_label=engine.data_label,
        replay_progress=engine.progress,
        venue_status=engine.venue_status,
        regimes=tuple(
            RegimeView(
                reading,
                engine.route_labels.get(reading.regime.value, "") if reading.regime else "",
            )
            for reading in engine.regimes.values()
        ),
        day_pnl=equity - watch.day_start if watch is not None and observed else None,
        drawdown_pct=watch.drawdown_pct(equity) if watch is not None and observed else None,
        drawdown_limit_pct=watch.config.max_drawdown_pct if watch is not None else None,
        risk_limits=tuple(risk_limits(engine, equity)),
        stale_symbols=tuple(sorted(engine.health.data.stale_since)),
    )


def risk_limits(engine: EngineView, equity: Decimal) -> Iterator[RiskLimitView]:
    """Every configured limit with its use now: the account's, then each bot's."""
    quote = engine.quote_asset
    watch = engine.equity_watch
    if watch is not None:
        limits = watch.config
        if limits.max_daily_loss is not None:
            loss = max(watch.daily_loss(equity), ZERO) if watch.day is not None else ZERO
            yield RiskLimitView(
                "",
                "max_daily_loss",
                "daily loss",
                loss,
                limits.max_daily_loss,
                quote,
                loss > limits.max_daily_loss,
            )
        if limits.max_drawdown_pct is not None:
            drawdown = watch.drawdown_pct(equity)
            yield RiskLimitView(
                "",
                "max_drawdown_pct",
                "drawdown",
                drawdown,
                limits.max_drawdown_pct,
                "%",
                drawdown > limits.max_drawdown_pct,
            )
        if limits.max_gross_exposure_pct is not None:
            gross = engine.gross_exposure / equity * HUNDRED if equity > 0 else ZERO
            yield RiskLimitView(
                "",
                "max_gross_exposure_pct",
                "gross exposure",
                gross,
                limits.max_gross_exposure_pct,
                "%",
                gross > limits.max_gross_exposure_pct,
            )
        if limits.max_gross_notional is not None:
            notional, cap = engine.gross_exposure, limits.max_gross_notional
            yield RiskLimitView(
                "", "max_gross_notional", "gross notional", notional, cap, quote, notional > cap
            )
        if limits.max_margin_pct is not None:
            margin = engine.gross_margin / equity * HUNDRED if equity > 0 else ZERO
            cap = limits.max_margin_pct
            yield RiskLimitView("", "max_margin_pct", "margin", margin, cap, "%", margin > cap)
    for bot in engine.bots.values():
        yield from _pair_limits(bot, quote)


def _pair_limits(bot: ViewedBot, quote: str) -> Iterator[RiskLimitView]:
    pair = bot.risk.pair if bot.risk is not None else None
    if pair is None:
        return
    book = bot.risk_book()
    name = bot.name
    if pair.max_position_notional is not None:
        cap = pair.max_position_notional
        yield RiskLimitView(
            name,
            "max_position_notional",
            "position value",
            book.exposure,
            cap,
            quote,
            book.exposure > cap,
        )
    if pair.max_position_margin is not None:
        cap = pair.max_position_margin
        yield RiskLimitView(
            name, "max_position_margin", "margin", book.margin, cap, quote, book.margin > cap
        )
    if pair.max_position_qty is not None:
        held = book.position_qty + book.resting_buy_qty
        cap = pair.max_position_qty
        yield RiskLimitView(
            name, "max_position_qty", "position size", held, cap, bot.instrument.base, held > cap
        )
    if pair.max_open_orders is not None:
        count, cap_orders = Decimal(book.open_orders), Decimal(pair.max_open_orders)
        yield RiskLimitView(
            name,
            "max_open_orders",
            "open orders",
            count,
            cap_orders,
            "orders",
            count > cap_orders,
        )
    if pair.stop_loss_pct is not None:
        fall = ZERO
        if book.position_qty > 0 and book.avg_price > 0 and book.mark > 0:
            fall = max((book.avg_price - book.mark) / book.avg_price * HUNDRED, ZERO)
        yield RiskLimitView(
            name,
            "stop_loss_pct",
            "fall below entry",
            fall,
            pair.stop_loss_pct,
            "%",
            fall >= pair.stop_loss_pct,
        )


def bot_chart(recent_fills: Iterable[Fill], bot: ViewedBot, minutes: int) -> BotChart:
    """The bot's last `minutes` closes, its resting orders, entry, stop and recent fills."""
    skip = max(len(bot.history) - minutes, 0)
    candles = list(islice(bot.history, skip, None))
    first_ts = candles[0].ts if candles else 0
    levels = [
        ChartLevel(o.price, "buy" if o.side is Side.BUY else "sell", o.tag)
        for o in bot.orders.values()
        if o.price is not None
    ]
    if bot.position.qty:  # long, or a perpetual's short
        levels.append(ChartLevel(bot.position.avg_price, "entry"))
    stop = stop_price(bot)
    if stop is not None:
        levels.append(ChartLevel(stop, "stop"))
    fills = tuple(
        ChartFill(f.ts, f.price, f.side)
        for f in recent_fills
        if f.bot == bot.name and f.ts >= first_ts
    )
    return BotChart(
        bot.name, bot.symbol, tuple(c.close for c in candles), first_ts, tuple(levels), fills
    )


def run_summary(engine: EngineView) -> RunSummary:
    bots = tuple(bot_snapshot(bot) for bot in engine.bots.values())
    equity = engine.equity
    watch = engine.equity_watch
    missing = tuple(unpriced(engine.balances, engine.prices, engine.quote_asset))
    # a drawdown from an equity that leaves a holding out is no drawdown: not measured then
    observed = watch is not None and watch.day is not None and not missing
    return RunSummary(
        bots=bots,
        orders_placed=sum(b.orders_placed for b in bots),
        fills=sum(b.fills for b in bots),
        fees=sum((b.fees for b in bots), ZERO),
        funding=sum((b.funding for b in bots), ZERO),
        realised_pnl=sum((b.realised_pnl for b in bots), ZERO),
        starting_equity=engine.starting_equity if engine.starting_equity is not None else equity,
        final_equity=equity,
        candles=engine.candles,
        started_ms=engine.started_ms,
        ended_ms=engine.clock.now_ms(),
        reason=engine.finish_reason,
        database=engine.database_label,
        since_ms=engine.account_risk.capture(engine).since_ms,
        drawdown_pct=watch.drawdown_pct(equity) if watch is not None and observed else None,
        orders_rejected=sum(b.orders_rejected for b in bots),
        allocator_refused=sum(b.allocator_refused for b in bots),
        unpriced=missing,
    )
