"""Fleet leases (revision 0006): the daemon that runs each bot, until `expires_ms`.

`generation` grows by one each time another holder takes the bot over (a fencing number);
`address` is where the holder can be reached (its API URL, '' if none)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NAME, Base

HOLDER = 200


class FleetLeaseRow(Base):
    __tablename__ = "fleet_leases"

    bot: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    holder: Mapped[str] = mapped_column(String(HOLDER))
    address: Mapped[str] = mapped_column(String(HOLDER))
    acquired_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    generation: Mapped[int] = mapped_column(BigInteger)
