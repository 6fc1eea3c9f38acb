"""Spot balances of one paper account: free and locked amounts per asset."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from traderagent.domain import ZERO, Balance


class Account:
    """Free and locked balances. Open orders lock funds; a fill or a cancel releases them.

    Amounts are exact Decimals. Every lock is released with exactly the amount that was locked,
    so `locked` returns to zero when no order is open.
    """

    __slots__ = ("_free", "_locked")

    def __init__(self, balances: Mapping[str, Decimal]) -> None:
        for asset, amount in balances.items():
            if amount < 0:
                raise ValueError(f"starting balance of {asset} is negative: {amount}")
        self._free: dict[str, Decimal] = {a: Decimal(v) for a, v in balances.items()}
        self._locked: dict[str, Decimal] = {}

    @classmethod
    def restored(cls, balances: Mapping[str, Balance]) -> Account:
        """An account as it was stored: free and locked amounts per asset."""
        account = cls({})
        for asset, balance in balances.items():
            account._free[asset] = balance.free
            account._locked[asset] = balance.locked
        return account

    def free(self, asset: str) -> Decimal:
        return self._free.get(asset, ZERO)

    def locked(self, asset: str) -> Decimal:
        return self._locked.get(asset, ZERO)

    def lock(self, asset: str, amount: Decimal) -> bool:
        """Move `amount` from free to locked; False (and no change) if not enough is free."""
        free = self._free.get(asset, ZERO)
        if amount > free:
            return False
        self._free[asset] = free - amount
        self._locked[asset] = self._locked.get(asset, ZERO) + amount
        return True

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Return a lock taken by `lock` to free."""
        self._locked[asset] = self._locked.get(asset, ZERO) - amount
        self._free[asset] = self._free.get(asset, ZERO) + amount

    def reserve(self, asset: str, amount: Decimal) -> None:
        """Lock `amount` even if less is free (a position's margin, checked at order entry)."""
        self._free[asset] = self.free(asset) - amount
        self._locked[asset] = self.locked(asset) + amount

    def credit(self, asset: str, amount: Decimal) -> None:
        """Add `amount` (negative: a debit) to the free balance: realised PnL, fees."""
        self._free[asset] = self.free(asset) + amount

    def transfer(self, pay_asset: str, pay: Decimal, get_asset: str, get: Decimal) -> None:
        """Settle a trade from free balances: `pay` of one asset out, `get` of another in."""
        free = self._free
        free[pay_asset] = free.get(pay_asset, ZERO) - pay
        free[get_asset] = free.get(get_asset, ZERO) + get

    def rebase(self, sent: Mapping[str, Balance], stored: Mapping[str, Balance]) -> None:
        """`sent` was written and the shared store holds `stored` now (other venues' moves
        included): shift each asset by the difference, keeping what moved here meanwhile."""
        for asset in {*sent, *stored}:
            before, after = sent.get(asset), stored.get(asset)
            free = (after.free if after else ZERO) - (before.free if before else ZERO)
            locked = (after.locked if after else ZERO) - (before.locked if before else ZERO)
            if free:
                self._free[asset] = self.free(asset) + free
            if locked:
                self._locked[asset] = self.locked(asset) + locked

    def snapshot(self) -> dict[str, Balance]:
        """Every asset the account has held, including those now at zero."""
        free, locked = self._free, self._locked  # read after every fill: no method calls
        held = {a: Balance(a, amount, locked.get(a, ZERO)) for a, amount in free.items()}
        for a, amount in locked.items():
            if a not in held:
                held[a] = Balance(a, ZERO, amount)
        return held
