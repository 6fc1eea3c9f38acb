"""A wire-faithful local Bybit V5 emulator: REST and WebSocket, on replayed candles.

It speaks the Bybit V5 that TraderAgent, pybit and ccxt's bybit class use (see
`/work/shared/docs/bybit_v5.md`, "Emulator checklist"; `tests/conformance/`): market time,
tickers, kline (and mark-price kline), funding history, orderbook, instruments-info (inverse
and option list nothing); order create, amend, cancel, cancel-all, the create/amend/cancel
batches, realtime, history; execution list; wallet balance, fee rate, account info, API key
info, coin info; position list and set-leverage; public `tickers`, `kline`,
`orderbook.{1,50,200,1000}`, `publicTrade` streams and private `order`, `execution`,
`position`, `wallet` streams, with Bybit's envelopes, field names, string numbers (a JSON
number where Bybit wants a string is refused with 10001), signatures, retCodes, rate-limit
headers and a page cursor on every non-empty page. Spot and linear (USDT perpetual, one-way
mode) share one unified wallet.

Orders fill by the paper exchange's candle-path model: spot orders go to a `PaperExchange`
itself, linear ones to a margin venue on the same `CandleMatcher`, so a strategy fills the same
on the paper venue and through a Bybit client talking to this emulator.

Time: the wall clock serves `/v5/market/time`, the REST envelope `time`, the auth timestamp
window (clients sign with real time, as on Bybit), rate-limit windows and pongs. Everything
about the market (kline and ticker data, order and execution timestamps, push times) is the
replay's time: the close of the last replayed candle.

Funding (optional, see `funding`) settles every 8 h as Funding executions; `align_to_wall`
lays the replay onto the wall clock.

Not emulated: RSA keys, conditional limit and TP/SL orders (and amending conditionals), hedge
mode, spot margin, partial fills (an order fills whole), liquidation, closed-pnl and the
transaction log, the IP-level HTTP 403 ban, order retention limits and the private idle
cut-off. Spot fees are charged in the quote
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
