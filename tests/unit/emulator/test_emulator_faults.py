"""Fault specs: parsing, clear errors, and each fault kind happening at its rate (seeded)."""

from __future__ import annotations

import math

import pytest

from traderagent.exchanges.emulator import FaultSpec, FaultSpecError, parse_faults
from traderagent.exchanges.emulator.injector import FaultInjector

FULL = (
    "latency=20ms,http5xx=0.05,timeout=0.02,ratelimit=0.05,ws_drop=0.01,lost_response=0.02,seed=7"
)
DRAWS = 20_000


def test_the_documented_spec_parses() -> None:
    spec = parse_faults(FULL)
    assert spec == FaultSpec(
        latency_s=0.02,
        http5xx=0.05,
        timeout=0.02,
        ratelimit=0.05,
        lost_response=0.02,
        ws_drop=0.01,
        seed=7,
    )
    assert parse_faults(spec.describe()) == spec
    assert parse_faults("latency=1.5s,hold=500ms").latency_s == 1.5
    assert parse_faults("hold=500ms").hold_s == 0.5
    assert parse_faults("latency=30").latency_s == 0.03  # a bare number is milliseconds
    assert parse_faults(None) == parse_faults("") == parse_faults("none") == FaultSpec()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jitter=5ms", "unknown fault 'jitter'"),
        ("http5xx=1.5", "http5xx must be a probability between 0 and 1"),
        ("timeout=often", "timeout must be a probability between 0 and 1, got 'often'"),
        ("latency=fast", "latency must be a duration such as 20ms or 1.5s"),
        ("seed=x", "seed must be an integer"),
        ("http5xx=0.1,http5xx=0.2", "given twice"),
        ("http5xx", "not of the form key=value"),
        ("http5xx=0.6,timeout=0.5", "add up to 1.1"),
    ],
)
def test_bad_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_faults(text)


def within(count: int, rate: float, n: int) -> bool:
    """Within 4 standard deviations of the binomial mean."""
    sigma = math.sqrt(n * rate * (1 - rate))
    return abs(count - n * rate) <= 4 * sigma + 1


def test_each_rest_fault_happens_at_its_rate_where_it_applies() -> None:
    spec = parse_faults(FULL)
    injector = FaultInjector(spec, lambda: 0)
    writes = [
        injector.rest_fault("/v5/order/create", private=True, write=True) for _ in range(DRAWS)
    ]
    for kind, rate in spec.rest_bands:
        assert within(writes.count(kind), rate, DRAWS), (kind, writes.count(kind))
    reads = [
        injector.rest_fault("/v5/order/realtime", private=True, write=False) for _ in range(DRAWS)
    ]
    assert reads.count("lost_response") == 0  # only writes can lose their answer
    assert within(reads.count("ratelimit"), spec.ratelimit, DRAWS)
    public = [
        injector.rest_fault("/v5/market/time", private=False, write=False) for _ in range(DRAWS)
    ]
    assert public.count("ratelimit") == public.count("lost_response") == 0
    assert within(public.count("http5xx"), spec.http5xx, DRAWS)
    assert within(public.count("timeout"), spec.timeout, DRAWS)
    counts = injector.counts()
    assert counts["http5xx"] == writes.count("http5xx") + reads.count("http5xx") + public.count(
        "http5xx"
    )
    assert all(f.wall_ms == 0 for f in injector.injected())


def test_ws_drops_happen_at_their_rate() -> None:
    injector = FaultInjector(parse_faults("ws_drop=0.03,seed=11"), lambda: 0)
    drops = sum(injector.ws_drop("private") for _ in range(DRAWS))
    assert within(drops, 0.03, DRAWS)
    assert injector.counts() == {"ws_drop": drops}


def test_the_same_seed_gives_the_same_faults_and_another_seed_does_not() -> None:
    def run(seed: int) -> list[str | None]:
        injector = FaultInjector(parse_faults(f"http5xx=0.2,timeout=0.2,seed={seed}"), lambda: 0)
        return [injector.rest_fault("/x", private=True, write=True) for _ in range(200)]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_no_faults_draw_nothing() -> None:
    injector = FaultInjector(FaultSpec(), lambda: 0)
    assert {injector.rest_fault("/x", private=True, write=True) for _ in range(1000)} == {None}
    assert not any(injector.ws_drop("private") for _ in range(1000))
    assert injector.injected() == []
