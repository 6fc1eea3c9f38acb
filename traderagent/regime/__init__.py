"""The market regime classifier: six regimes from ADX, EMA fast/slow and ATR%, with hysteresis,
confirmations and a minimum dwell (DESIGN.md, "Market regimes and routing")."""

from traderagent.regime.classifier import RegimeClassifier
from traderagent.regime.config import RegimeConfig
from traderagent.regime.rules import TRENDS, RegimeInputs, RegimeLatch, propose
from traderagent.regime.timeline import RegimeSegment, regime_timeline

__all__ = [
    "TRENDS",
    "RegimeClassifier",
    "RegimeConfig",
    "RegimeInputs",
    "RegimeLatch",
    "RegimeSegment",
    "propose",
    "regime_timeline",
]
