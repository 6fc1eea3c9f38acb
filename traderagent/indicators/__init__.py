"""Technical indicators, each defined once in two forms that agree to rounding.

Vectorised functions (`ema`, `sma`, `atr`, `adx`, `rsi`, `bollinger`, `swings`) take float64
arrays and return arrays aligned to the input, NaN while warming up; their loops are numba-
compiled on first use and cached on disk. Incremental classes (`Ema`, `Sma`, `Rsi`, `Atr`, `Adx`,
`Bollinger`, `SwingDetector`, and `CandleAggregator` for higher-interval bars) are plain Python,
O(1) per update, for per-candle use in strategies. Periods below 1 raise ValueError.

numba's on-disk cache goes to `__pycache__` next to `kernels.py` when that is writable; from a
read-only install numba falls back to the user's cache directory (`~/.cache/numba`), and
`NUMBA_CACHE_DIR` overrides both. Without any writable place each process compiles once (~1 s).
"""

from traderagent.indicators.candles import CandleAggregator
from traderagent.indicators.directional import Adx, AdxLines, adx
from traderagent.indicators.momentum import Rsi, rsi
from traderagent.indicators.moving import Ema, Sma, ema, sma
from traderagent.indicators.swings import Swing, SwingDetector, SwingMarks, swings
from traderagent.indicators.volatility import Atr, Band, Bands, Bollinger, atr, bollinger

__all__ = [
    "Adx",
    "AdxLines",
    "Atr",
    "Band",
    "Bands",
    "Bollinger",
    "CandleAggregator",
    "Ema",
    "Rsi",
    "Sma",
    "Swing",
    "SwingDetector",
    "SwingMarks",
    "adx",
    "atr",
    "bollinger",
    "ema",
    "rsi",
    "sma",
    "swings",
]
