"""The ccxt venue on a wire that fails: ccxt's `bybit` class against the emulator answering
with 5xx, holding requests past the timeout, and losing answers to creates it processed.

Every create either comes back as the exchange's order (placed, or refused with a reason) or
raises OrderFateUnknown; nothing else. Afterwards no client order id reached the venue twice,
every order the venue has was either acknowledged or is one whose fate was unknown (and the
venue's order is found by its id), and nothing acknowledged as refused is on the venue."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from traderagent.domain import OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange, reads
from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.emulator.faults import FaultSpec
from traderagent.exchanges.ports import ExchangeError, OrderFateUnknown
from traderagent.marketdata import load_bundled

FAULTS = "http5xx=0.2,timeout=0.1,lost_response=0.2,hold=0.8s,seed=4"
"""Seeded: the requests go out in a fixed order (the poll waits a minute), so these draws
give lost answers that are found, and look-ups that fail too (fates left unknown: reads are
tried once here, as `READ_ATTEMPTS` retries would find nearly every one)."""
ORDERS = 30


async def test_lost_and_failed_answers_never_double_or_misreport_an_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reads, "READ_ATTEMPTS", 1)
    async with running_emulator(
        load_bundled().head(400), speed=None, warmup=100, faults=FAULTS
    ) as emu:
        config = CcxtConfig(
            exchange="bybit",
            url=emu.rest_url,
            streams=False,
            throttle=False,
            timeout_s=0.6,
            poll_interval_s=60,
        )
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        faulty, emu.core.injector.spec = emu.core.injector.spec, FaultSpec()
        await exchange.connect()  # markets on a sound wire; the faults start with trading
        emu.core.injector.spec = faulty
        acked: dict[str, OrderStatus] = {}
        unknown: list[str] = []
        failed_before_sending = 0
        try:
            inst = await exchange.instrument("BTCUSDT")
            for k in range(ORDERS):
                price = inst.round_price(Decimal(20_000) - k, Side.BUY)
                cid = f"lost-{k}"
                request = OrderRequest(
                    cid, "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.001"), price
                )
                try:
                    acked[cid] = (await exchange.place_order(request)).status
                except OrderFateUnknown:
                    unknown.append(cid)
                except ExchangeError:  # e.g. the first poll of trades failed: nothing sent
                    failed_before_sending += 1
            emu.core.injector.spec = FaultSpec()  # no faults for the look-ups that settle them
            await asyncio.sleep(1.0)  # answers held past the timeout have been processed
            resolved = {cid: await exchange.get_order("BTCUSDT", cid) for cid in unknown}
        finally:
            await exchange.close()
        venue = [o for o in emu.orders() if o.order_link_id.startswith("lost-")]
        injected = {f.kind for f in emu.faults_injected()}
    link_ids = [o.order_link_id for o in venue]
    assert len(link_ids) == len(set(link_ids))  # never twice
    assert (
        "lost_response" in injected and len(acked) + len(unknown) + failed_before_sending == ORDERS
    )
    refused = {cid for cid, status in acked.items() if status is OrderStatus.REJECTED}
    assert not refused & set(link_ids)  # nothing reported refused is on the venue
    assert set(link_ids) <= set(acked) | set(unknown)
    assert unknown, "the seeded faults should leave some fate unknown"
    for cid, order in resolved.items():  # an unknown fate is settled by the id, either way
        assert (order is not None) == (cid in link_ids)
    print(
        f"faults {sorted(injected)}: {len(acked)} acknowledged ({len(refused)} refused), "
        f"{len(unknown)} of unknown fate ({sum(o is not None for o in resolved.values())} "
        f"found placed), {failed_before_sending} failed before sending; "
        f"{len(link_ids)} on the venue"
    )
