"""The account's static facts: API key info, account info, coin info and fee rates.

ccxt's bybit class asks for these before it trades (`load_markets` fetches coin info when it
has keys; the first private call asks `user/query-api` and `account/info` whether the account
is unified). The emulated account is a UTA 2.0 (`unifiedMarginStatus` 6) master account in
regular (cross) margin, one HMAC key with trade permissions and no IP binding.
"""

from __future__ import annotations

from collections.abc import Mapping

from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.instruments import ALL_CATEGORIES
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.exchanges.emulator.ledger import Ledger
from traderagent.exchanges.emulator.signing import Credentials

Params = Mapping[str, str]
Result = dict[str, object]

USER_ID = 100_000_001
KEY_CREATED = "2025-01-01T00:00:00Z"
KEY_EXPIRES = "2099-01-01T00:00:00Z"
UTA_PRO = 6  # unifiedMarginStatus of a UTA 2.0 Pro account


class AccountSettings:
    """GET user/query-api, account/info, asset/coin/query-info, account/fee-rate."""

    def __init__(self, ledger: Ledger, credentials: Credentials) -> None:
        self._ledger = ledger
        self._credentials = credentials

    def api_key_info(self, _params: Params) -> Result:
        permissions = {
            "ContractTrade": ["Order", "Position"],
            "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"],
            "Options": ["OptionsTrade"],
            "Derivatives": ["DerivativesTrade"],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": [],
            "NFT": [],
            "Affiliate": [],
            "Earn": [],
        }
        return {
            "id": "1",
            "note": "emulator",
            "apiKey": self._credentials.api_key,
            "readOnly": 0,
            "secret": "",  # Bybit never sends the secret back, nor does the emulator
            "permissions": permissions,
            "ips": ["*"],
            "type": 1,
            "deadlineDay": -1,
            "expiredAt": KEY_EXPIRES,
            "createdAt": KEY_CREATED,
            "unified": 0,
            "uta": 1,
            "userID": USER_ID,
            "inviterID": 0,
            "vipLevel": "No VIP",
            "mktMakerLevel": "0",
            "affiliateID": 0,
            "rsaPublicKey": "",
            "isMaster": True,
            "parentUid": "0",
            "kycLevel": "LEVEL_DEFAULT",
            "kycRegion": "",
        }

    def account_info(self, _params: Params) -> Result:
        return {
            "marginMode": "REGULAR_MARGIN",
            "updatedTime": "1735689600000",
            "unifiedMarginStatus": UTA_PRO,
            "dcpStatus": "OFF",
            "timeWindow": 10,
            "smpGroup": 0,
            "isMasterTrader": False,
            "spotHedgingStatus": "OFF",
        }

    def coin_info(self, params: Params) -> Result:
        wanted = params.get("coin", "")
        coins = sorted(
            {c for r in self._ledger.rules("spot") for c in (r.instrument.base, r.instrument.quote)}
            | set(self._ledger.wallet.snapshot())
        )
        rows = [_coin_row(c) for c in coins if not wanted or c == wanted]
        return {"rows": rows}

    def fee_rate(self, params: Params) -> Result:
        category = params.get("category") or "spot"  # Bybit's default
        if category not in ALL_CATEGORIES:
            raise params_error(f"Illegal category {category!r}")
        symbol = params.get("symbol", "")
        listed = [
            r
            for r in self._ledger.rules(category)
            if (not symbol or r.symbol == symbol)
            and (not params.get("baseCoin") or r.instrument.base == params["baseCoin"])
        ]
        if symbol and not listed and category in ("spot", "linear"):
            raise params_error(f"params error: symbol invalid ({symbol!r})")
        fees = self._ledger.fees(category)
        items = [
            {"symbol": r.symbol, "takerFeeRate": num(fees.taker), "makerFeeRate": num(fees.maker)}
            for r in listed
        ]
        return {"list": items}


def _coin_row(coin: str) -> dict[str, object]:
    chain = {
        "chainType": coin,
        "confirmation": "1",
        "withdrawFee": "0",
        "depositMin": "0",
        "withdrawMin": "0",
        "chain": coin,
        "chainDeposit": "0",  # the emulator moves no coins in or out
        "chainWithdraw": "0",
        "minAccuracy": "8",
        "withdrawPercentageFee": "0",
        "contractAddress": "",
    }
    return {"name": coin, "coin": coin, "remainAmount": "0", "chains": [chain]}
