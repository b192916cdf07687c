"""The limiter spaces calls at Kinsta's documented rates and honours Kinsta's rate-limit headers."""

from __future__ import annotations

import email.utils
import time

import anyio
import pytest

from kinsta_mcp.api.clock import FakeClock, SystemClock
from kinsta_mcp.api.ratelimit import RateLimiter, current_principal, current_session, retry_delay
from kinsta_mcp.catalog.spec import RateClass

pytestmark = pytest.mark.anyio


async def acquire_times(limiter: RateLimiter, clock: FakeClock, bucket: str, rate: RateClass, n: int) -> list[float]:
    """The clock's time at which each of n sequential acquisitions got its slot."""
    times = []
    for _ in range(n):
        await limiter.acquire(bucket, rate)
        times.append(clock.now)
    return times


@pytest.mark.parametrize(
    ("rate", "limit"),
    [(RateClass.CREATE, 5), (RateClass.LOGS, 35), (RateClass.STANDARD, 120)],
)
async def test_a_burst_up_to_the_limit_goes_at_once_and_the_next_call_waits_a_minute(
    clock: FakeClock, rate: RateClass, limit: int
) -> None:
    limiter = RateLimiter(clock)
    times = await acquire_times(limiter, clock, "acme", rate, limit + 1)
    assert times[:limit] == [0.0] * limit
    assert clock.sleeps == [60.0]
    assert times[limit] == 60.0


async def test_the_process_limit_spans_companies(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    for company in range(10):  # 10 x 100: under each company's 120, at the process's 1000
        await acquire_times(limiter, clock, f"company-{company}", RateClass.STANDARD, 100)
    assert clock.now == 0.0
    await limiter.acquire("company-new", RateClass.STANDARD)
    assert clock.now == 60.0
    assert clock.sleeps == [60.0]


async def test_creation_and_log_calls_also_count_against_the_company_limit(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    await acquire_times(limiter, clock, "acme", RateClass.CREATE, 5)
    await acquire_times(limiter, clock, "acme", RateClass.LOGS, 35)
    await acquire_times(limiter, clock, "acme", RateClass.STANDARD, 80)
    assert clock.now == 0.0
    await limiter.acquire("acme", RateClass.STANDARD)  # the 121st request of the company
    assert clock.now == 60.0


async def test_companies_have_separate_buckets(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    await acquire_times(limiter, clock, "acme", RateClass.CREATE, 5)
    await limiter.acquire("globex", RateClass.CREATE)
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == []


async def test_the_window_slides(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    for _ in range(5):  # one creation every 10 s
        await limiter.acquire("acme", RateClass.CREATE)
        clock.advance(10)
    assert clock.now == 50.0
    await limiter.acquire("acme", RateClass.CREATE)  # the call at t=0 leaves the window at t=60
    assert clock.sleeps == [10.0]
    await limiter.acquire("acme", RateClass.CREATE)  # then the one at t=10 must leave: t=70
    assert clock.now == 70.0


async def test_the_rate_holds_over_many_minutes(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    times = await acquire_times(limiter, clock, "acme", RateClass.CREATE, 23)
    assert times == [60.0 * (i // 5) for i in range(23)]


async def test_concurrent_tasks_never_exceed_the_limit(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    times: list[float] = []

    async def one() -> None:
        await limiter.acquire("acme", RateClass.STANDARD)
        times.append(clock.now)

    async with anyio.create_task_group() as group:
        for _ in range(250):
            group.start_soon(one)

    assert len(times) == 250
    assert sorted(times) == [0.0] * 120 + [60.0] * 120 + [120.0] * 10
    for start in times:  # every 60 s window holds at most 120 calls
        assert sum(start <= t < start + 60 for t in times) <= 120


async def test_limits_are_configurable(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=3, create=2, logs=1, per_process=10, window=10.0)
    assert await acquire_times(limiter, clock, "acme", RateClass.CREATE, 3) == [0.0, 0.0, 10.0]
    assert await acquire_times(limiter, clock, "acme", RateClass.LOGS, 2) == [10.0, 20.0]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="create"):
        RateLimiter(FakeClock(), create=0)


# -- fair share across principals and sessions ------------------------------------------------


async def calls_as(
    limiter: RateLimiter,
    clock: FakeClock,
    granted: list[tuple[str, float]],
    principal: str,
    session: str = "",
    n: int = 1,
) -> None:
    """n sequential calls for one caller; each grant recorded as (caller, time)."""
    current_principal.set(principal)
    current_session.set(session)
    for _ in range(n):
        await limiter.acquire("acme", RateClass.STANDARD)
        granted.append((f"{principal}/{session}", clock.now))


def per_caller(granted: list[tuple[str, float]], at: float) -> dict[str, int]:
    counts: dict[str, int] = {}
    for caller, t in granted:
        if t == at:
            counts[caller] = counts.get(caller, 0) + 1
    return counts


async def test_a_light_principal_does_not_wait_while_another_floods(clock: FakeClock) -> None:
    """The bound: once the budget is shared, the last 12 of the 120 slots of a minute are for light
    callers (under 12 calls in it), so another principal's calls, up to 12 a minute, go at once
    however many calls the flooder queues."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "light")  # the light caller has been seen
    async with anyio.create_task_group() as group:
        for _ in range(300):
            group.start_soon(calls_as, limiter, clock, granted, "flood")
        group.start_soon(calls_as, limiter, clock, granted, "light", "", 11)
    light = [t for caller, t in granted if caller == "light/"]
    assert light == [0.0] * 12  # not one of them waited
    assert per_caller(granted, 0.0) == {"light/": 12, "flood/": 107}  # 107 + the light caller's first = 108
    flood = sorted(t for caller, t in granted if caller == "flood/")
    assert flood == [0.0] * 107 + [60.0] * 108 + [120.0] * 85  # the flooder still gets 108 a minute


async def test_several_flooders_together_leave_the_last_tenth_to_a_light_caller(clock: FakeClock) -> None:
    """Up to 9 flooders (108 / 12): served in turn, each has 12 calls in the window before the last
    tenth is reached, so none of them counts as light there."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "light")

    async def light_later() -> None:
        await clock.sleep(60.0)  # when the first minute's slots come free, all at once
        await calls_as(limiter, clock, granted, "light", "", 12)

    async with anyio.create_task_group() as group:
        for flooder in ("flood-a", "flood-b", "flood-c"):
            for _ in range(100):
                group.start_soon(calls_as, limiter, clock, granted, flooder)
        group.start_soon(light_later)
    assert [t for caller, t in granted if caller == "light/"] == [0.0] + [60.0] * 12
    at_60 = per_caller(granted, 60.0)
    assert at_60.pop("light/") == 12
    assert sum(at_60.values()) <= 108 and max(at_60.values()) - min(at_60.values()) <= 1, at_60


async def test_on_one_principal_a_light_session_does_not_wait_while_other_sessions_flood(clock: FakeClock) -> None:
    """Loopback without tokens: every client is the principal "local"; its sessions share the same way."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "local", "light")

    async def light_later() -> None:
        await clock.sleep(60.0)
        await calls_as(limiter, clock, granted, "local", "light", 12)

    async with anyio.create_task_group() as group:
        for session in ("busy-1", "busy-2", "busy-3", "busy-4"):
            for _ in range(80):
                group.start_soon(calls_as, limiter, clock, granted, "local", session)
        group.start_soon(light_later)
    assert [t for caller, t in granted if caller == "local/light"] == [0.0] + [60.0] * 12
    at_60 = per_caller(granted, 60.0)
    assert at_60.pop("local/light") == 12 and sum(at_60.values()) <= 108


async def test_a_newcomer_gets_the_first_freed_slot_and_then_its_tenth(clock: FakeClock) -> None:
    """First contact: a principal alone may use the whole window, so a newcomer waits at most until
    the first slot frees (under a minute), and is served before the flooder's queue."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for _ in range(300):
            group.start_soon(calls_as, limiter, clock, granted, "flood")
        group.start_soon(calls_as, limiter, clock, granted, "light", "", 12)
    light = [t for caller, t in granted if caller == "light/"]
    assert light == [60.0] * 12  # the first freed slots: none of the flooder's 180 waiting calls went first
    assert per_caller(granted, 0.0) == {"flood/": 120}  # alone, the flooder had the whole window
    assert per_caller(granted, 60.0) == {"light/": 12, "flood/": 107}


async def test_waiting_principals_are_served_round_robin(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=10, per_process=10_000, window=10.0)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for principal in ("a", "b", "c"):  # a queues all its calls first
            for _ in range(40):
                group.start_soon(calls_as, limiter, clock, granted, principal)
    assert per_caller(granted, 0.0) == {"a/": 10}  # a was alone when its first calls came
    for at in (10.0, 20.0, 30.0, 40.0, 50.0, 60.0):  # then every window is shared: 3 each, not a's 10 first
        counts = per_caller(granted, at)
        # 9: the last slot of the 10 is for a light caller (none here: all have called in the window)
        assert counts == {"a/": 3, "b/": 3, "c/": 3}, (at, counts)
    finished = {caller: max(t for c, t in granted if c == caller) for caller in ("a/", "b/", "c/")}
    # b and c, queued at the same time, finish together (a, served alone at first, before them).
    # First come first served would have left c's first call waiting until t=80.
    assert finished["b/"] == finished["c/"] == 130.0 and finished["a/"] == 100.0


async def test_sessions_of_one_principal_share_its_slots_round_robin(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=10, per_process=10_000, window=10.0)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(calls_as, limiter, clock, granted, "local", "busy")
        group.start_soon(calls_as, limiter, clock, granted, "local", "quiet", 3)
    quiet = [t for caller, t in granted if caller == "local/quiet"]
    # Each quiet call (one after the other) takes the first slot freed after it is made, ahead of the
    # busy session's queue: in first-come order the quiet session would wait until t=50.
    assert quiet == [10.0, 20.0, 30.0]


async def test_a_cancelled_waiter_leaves_the_queue(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=1, window=10.0)
    await limiter.acquire("acme")
    with anyio.move_on_after(0):  # cancelled at its first wait
        await limiter.acquire("acme")
    await limiter.acquire("acme")  # not held up by the abandoned call
    assert clock.now == 10.0


# -- Kinsta's headers -----------------------------------------------------------------


async def test_remaining_zero_holds_the_bucket_until_reset(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.note_headers("acme", {"RateLimit-Remaining": "0", "RateLimit-Reset": "17"})
    await limiter.acquire("globex", RateClass.STANDARD)  # another company is not held
    assert clock.sleeps == []
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == [17.0]


async def test_remaining_above_zero_holds_nothing(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.note_headers("acme", {"ratelimit-remaining": "4", "ratelimit-reset": "17"})
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == []


async def test_combined_ratelimit_header(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.note_headers("acme", {"RateLimit": "limit=120, remaining=0, reset=42"})
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == [42.0]


async def test_retry_after_holds_the_bucket(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.note_headers("acme", {"Retry-After": "9"})
    clock.advance(4)
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == [5.0]


async def test_a_hold_is_capped(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, max_hold=30)
    limiter.note_headers("acme", {"Retry-After": "86400"})
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == [30.0]


async def test_malformed_headers_are_ignored(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.note_headers("acme", {"Retry-After": "soon", "RateLimit-Remaining": "0", "RateLimit-Reset": "-3"})
    await limiter.acquire("acme", RateClass.STANDARD)
    assert clock.sleeps == []


def test_retry_delay_reads_seconds_dates_and_reset() -> None:
    assert retry_delay({"Retry-After": "12"}) == 12.0
    assert retry_delay({"RateLimit-Reset": "30"}) == 30.0
    assert retry_delay({"Retry-After": "3", "RateLimit-Reset": "30"}) == 3.0  # Retry-After is the explicit ask
    assert retry_delay({}) is None
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    delay = retry_delay({"Retry-After": in_a_minute})
    assert delay is not None and 55 <= delay <= 61
    epoch = retry_delay({"RateLimit-Reset": str(int(time.time()) + 20)})  # some servers send a Unix time
    assert epoch is not None and 15 <= epoch <= 21


# -- the fake clock -------------------------------------------------------------------


async def test_fake_clock_moves_on_sleep_and_advance() -> None:
    clock = FakeClock(start=100.0)
    await clock.sleep(2.5)
    clock.advance(1)
    assert clock.now == clock.monotonic() == 103.5
    assert clock.sleeps == [2.5]
    with pytest.raises(ValueError):
        clock.advance(-1)


async def test_fake_clock_concurrent_sleeps_overlap() -> None:
    clock = FakeClock()
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(clock.sleep, 10.0)
    assert clock.now == 10.0
    assert clock.sleeps == [10.0, 10.0, 10.0]


async def test_system_clock_is_monotonic_and_sleeps_zero_at_once() -> None:
    clock = SystemClock()
    before = clock.monotonic()
    await clock.sleep(0)
    await clock.sleep(-1)  # a negative wait (a hold already over) is no wait
    assert clock.monotonic() >= before
