"""What `config check` verifies beyond the schema: the things a valid file can still get wrong.

The replay data exists; each bot's plan fits its share of the paper balance; the remapped
keys name real bindings and take no key Textual keeps for itself (ctrl+p opens the command
palette). Each problem is one line naming the setting and what to change.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from traderagent.config import AppConfig, BotConfig

RESERVED_KEYS = {
    "ctrl+p": "the command palette",
    "ctrl+q": "quitting",
    "ctrl+c": "copying and quitting",
    "tab": "moving between panes",
    "shift+tab": "moving between panes",
    "escape": "closing a dialog",
}
"""Keys Textual answers itself: a binding remapped onto one takes it from them."""


def config_problems(config: AppConfig) -> list[str]:
    """Every problem found, one line each (empty: the config can run as written)."""
    return [*data_problems(config), *budget_problems(config), *key_problems(config)]


def data_problems(config: AppConfig) -> list[str]:
    if config.mode != "paper":
        return []
    data = config.replay.data
    if data == "bundled":
        return []
    if data.startswith("store:"):
        from traderagent.marketdata import MarketDataError
        from traderagent.marketdata.store import STORE_PREFIX, CandleStore

        try:
            CandleStore().resolve(data.removeprefix(STORE_PREFIX))
        except MarketDataError as err:
            return [f"replay.data: {err}"]
        return []
    path = Path(data).expanduser()
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "not found"
        return [f"replay.data: {data}: {what} (give a candle file, `bundled` or store:...)"]
    return []


def plan_capital(bot: BotConfig) -> tuple[Decimal, str] | None:
    """The quote a bot's plan commits at most, and how that is reckoned; None when its plan
    does not say (trend followers, routed bots)."""
    strategy = bot.strategy
    if strategy is None:
        return None
    if strategy.kind == "grid":
        need = strategy.amount_per_level * (strategy.levels - 1)
        return need, f"{strategy.levels - 1} levels x amount_per_level {strategy.amount_per_level}"
    if strategy.kind == "dca":
        safety = sum(
            (
                strategy.safety_order * strategy.volume_scale**n
                for n in range(strategy.max_safety_orders)
            ),
            Decimal(0),
        )
        return strategy.base_order + safety, "base_order and every safety order"
    return None


def budget_problems(config: AppConfig) -> list[str]:
    """Each grid or DCA bot whose plan needs more than its share of the paper balance."""
    if config.mode != "paper":
        return []
    from traderagent.exchanges.spot_rules import split_symbol

    shared = Decimal(100) - sum((b.budget_pct or Decimal(0) for b in config.bots), Decimal(0))
    unbudgeted = sum(1 for b in config.bots if b.budget_pct is None) or 1
    problems = []
    for i, bot in enumerate(config.bots):
        planned = plan_capital(bot)
        if planned is None:
            continue
        need, how = planned
        try:
            quote = split_symbol(bot.symbol)[1]
        except ValueError:
            continue  # the engine names an unknown symbol itself
        balance = config.paper.balances.get(quote, Decimal(0))
        pct = bot.budget_pct if bot.budget_pct is not None else shared / unbudgeted
        share = balance * pct / 100
        if need > share:
            problems.append(
                f"bots[{i}] ({bot.name}): its plan commits up to {need:f} {quote} ({how}) but "
                f"its share of the paper balance is {share.normalize():f} {quote} ({pct:.4g}% "
                f"of {balance:f}): lower the plan, or raise paper.balances.{quote} or budget_pct"
            )
    return problems


def key_problems(config: AppConfig) -> list[str]:
    keys = config.tui.keys
    if not keys:
        return []
    from tui.keys import ACTIONS, unknown_ids

    problems = []
    known = ", ".join(a.id for a in ACTIONS)
    for name in unknown_ids(keys):
        problems.append(f"tui.keys.{name}: no such binding (the bindings: {known})")
    taken: dict[str, str] = {}
    for action in ACTIONS:
        for key in keys.get(action.id, action.key).split(","):
            taken.setdefault(key.strip(), action.id)
    for name, value in keys.items():
        for key in (k.strip() for k in value.split(",")):
            if key in RESERVED_KEYS:
                problems.append(
                    f"tui.keys.{name}: {key} is Textual's key for {RESERVED_KEYS[key]}: "
                    "choose another"
                )
            elif taken.get(key, name) != name:
                problems.append(f"tui.keys.{name}: {key} is already the key of {taken[key]}")
    return problems
