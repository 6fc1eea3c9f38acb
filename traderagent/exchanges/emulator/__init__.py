"""A wire-faithful local Bybit V5 emulator: REST and WebSocket, on replayed candles.

It speaks the subset of Bybit V5 that TraderAgent uses (see `/work/shared/docs/bybit_v5.md`,
"Emulator checklist"): market time, tickers, kline, instruments-info; order create, cancel,
cancel-all, realtime, history; execution list; wallet balance; position list and set-leverage;
public `tickers`, `kline`, `orderbook.1` streams and private `order`, `execution`, `position`,
`wallet` streams, with Bybit's envelopes, field names, string numbers, signatures, retCodes and
rate-limit headers. Spot and linear (USDT perpetual, one-way mode) share one unified wallet.

Orders fill by the paper exchange's candle-path model: spot orders go to a `PaperExchange`
itself, linear ones to a margin venue on the same `CandleMatcher`, so a strategy fills the same
on the paper venue and through a Bybit client talking to this emulator.

Time: the wall clock serves `/v5/market/time`, the REST envelope `time`, the auth timestamp
window (clients sign with real time, as on Bybit), rate-limit windows and pongs. Everything
about the market (kline and ticker data, order and execution timestamps, push times) is the
replay's time: the close of the last replayed candle.

Not emulated: RSA keys, amend and batch orders, conditional and TP/SL orders, hedge mode, spot
margin, partial fills (an order fills whole), liquidation and funding, the IP-level HTTP 403
ban, order retention limits and the private idle cut-off. Spot fees are charged in the quote
coin (as on the paper venue), where Bybit charges a spot buy's fee in the base coin.
"""

from traderagent.exchanges.emulator.core import EmulatorCore
from traderagent.exchanges.emulator.faults import FaultSpec, FaultSpecError, parse_faults
from traderagent.exchanges.emulator.injector import InjectedFault
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.exchanges.emulator.server import Emulator, build_app, running_emulator
from traderagent.exchanges.emulator.signing import DEFAULT_API_KEY, DEFAULT_API_SECRET, sign

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "Emulator",
    "EmulatorCore",
    "ExecutionRecord",
    "FaultSpec",
    "FaultSpecError",
    "InjectedFault",
    "OrderRecord",
    "build_app",
    "parse_faults",
    "running_emulator",
    "sign",
]
