"""Per-endpoint budgets: X-Bapi-Limit* headers on every private answer, and 10006."""

from __future__ import annotations

from emulator_http import FixedClock, bundled_head, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.emulator.ratelimit import RateLimiter


def test_limiter_counts_a_rolling_one_second_window() -> None:
    limiter = RateLimiter({"/v5/order/create": 3})
    statuses = [limiter.take("/v5/order/create", "linear", 1000 + i) for i in range(4)]
    assert [s.allowed for s in statuses] == [True, True, True, False]
    assert [s.remaining for s in statuses] == [2, 1, 0, 0]
    assert statuses[3].reset_ms == 2000  # the oldest request leaves the window then
    assert limiter.take("/v5/order/create", "linear", 1999).allowed is False
    assert limiter.take("/v5/order/create", "linear", 2000).allowed is True


def test_spot_and_linear_have_separate_default_budgets() -> None:
    limiter = RateLimiter()
    assert limiter.limit_of("/v5/order/create", "spot") == 20
    assert limiter.limit_of("/v5/order/create", "linear") == 10
    assert limiter.limit_of("/v5/order/realtime", "linear") == 50
    for i in range(10):
        assert limiter.take("/v5/order/create", "linear", 5000 + i).allowed
    assert not limiter.take("/v5/order/create", "linear", 5010).allowed
    assert limiter.take("/v5/order/create", "spot", 5010).allowed


def test_an_exhausted_budget_stays_blocked_for_a_window() -> None:
    limiter = RateLimiter()
    status = limiter.exhaust("/v5/position/list", "linear", 10_000)
    assert (status.allowed, status.remaining, status.reset_ms) == (False, 0, 11_000)
    assert not limiter.take("/v5/position/list", "linear", 10_999).allowed
    assert limiter.take("/v5/position/list", "linear", 11_000).allowed


async def test_headers_on_every_private_answer_and_10006_past_the_budget() -> None:
    clock = FixedClock()
    core = EmulatorCore([bundled_head(10)], wall_ms=clock)
    client = in_process(core)
    body = {"category": "linear", "symbol": "BTCUSDT"}
    answers = [await client.post("/v5/order/cancel-all", body) for _ in range(11)]
    limits = [r.headers["X-Bapi-Limit"] for r in answers]
    left = [int(r.headers["X-Bapi-Limit-Status"]) for r in answers]
    assert limits == ["10"] * 11
    assert left == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]
    assert [r.json()["retCode"] for r in answers] == [0] * 10 + [10006]
    assert answers[-1].json()["retMsg"] == "Too many visits!"
    assert int(answers[-1].headers["X-Bapi-Limit-Reset-Timestamp"]) == clock.now + 1000
    reads = await client.get("/v5/order/realtime", "category=linear&symbol=BTCUSDT")
    assert reads.json()["retCode"] == 0  # another endpoint, another budget
    assert reads.headers["X-Bapi-Limit"] == "50"
    clock.now += 1000
    again = await client.post("/v5/order/cancel-all", body)
    assert again.json()["retCode"] == 0


async def test_public_answers_carry_no_limit_headers_and_refusals_before_auth_none() -> None:
    core = EmulatorCore([bundled_head(10)], wall_ms=FixedClock())
    client = in_process(core)
    public = await client.http.get("/v5/market/time")
    assert "X-Bapi-Limit" not in public.headers
    client.api_key = "nobody"
    refused = await client.get("/v5/account/wallet-balance", "accountType=UNIFIED")
    assert refused.json()["retCode"] == 10003
    assert "X-Bapi-Limit" not in refused.headers
