"""Bybit V5 retCodes the emulator answers with, and the error that carries one to the wire."""

from __future__ import annotations

OK = 0
PARAMS = 10001
TIMESTAMP = 10002
INVALID_KEY = 10003
BAD_SIGN = 10004
RATE_LIMIT = 10006
ROUTE_NOT_FOUND = 10017
ORDER_NOT_FOUND = 110001
PRICE_OUT_OF_RANGE = 110003
INSUFFICIENT_AB = 110007
ORDER_CLOSED = 110008
REDUCE_ONLY_ZERO = 110017
TOO_MANY_ORDERS = 110020
LEVERAGE_NOT_MODIFIED = 110043
DUPLICATE_LINK_ID = 110072
TRIGGER_EXPECT_RISING = 110092  # triggerDirection 1 with the trigger at or below the last
TRIGGER_EXPECT_FALLING = 110093  # triggerDirection 2 with the trigger at or above the last
NOTIONAL_TOO_LOW = 110094
SPOT_INVALID_SYMBOL = 170121
SPOT_INSUFFICIENT = 170131
SPOT_PRICE_DECIMALS = 170134
SPOT_QTY_TOO_LOW = 170136
SPOT_QTY_DECIMALS = 170137
SPOT_VALUE_TOO_LOW = 170140
SPOT_DUPLICATE_LINK_ID = 170141
SPOT_ORDER_NOT_FOUND = 170213
SPOT_BAD_TIME_IN_FORCE = 170115
SPOT_BAD_ORDER_TYPE = 170116
SPOT_BAD_SIDE = 170117


class BybitError(Exception):
    """A request refused with a non-zero retCode; the REST layer turns it into the envelope."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def params_error(message: str) -> BybitError:
    return BybitError(PARAMS, message)
