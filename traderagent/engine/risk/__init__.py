"""Risk from small to large: trade and pair limits on intents, the stop loss, and the
account's daily loss and drawdown. Pure logic: no I/O, no clock reads."""

from traderagent.engine.risk.breach import Breach, Scope
from traderagent.engine.risk.equity_watch import EquityWatch
from traderagent.engine.risk.exposure import AccountView, BotBook, adds_exposure, bot_book
from traderagent.engine.risk.gate import RiskAccount, RiskGate
from traderagent.engine.risk.limits import Verdict, review

__all__ = [
    "AccountView",
    "BotBook",
    "Breach",
    "EquityWatch",
    "RiskAccount",
    "RiskGate",
    "Scope",
    "Verdict",
    "adds_exposure",
    "bot_book",
    "review",
]
