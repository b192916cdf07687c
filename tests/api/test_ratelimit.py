"""The limiter spaces calls at Kinsta's documented rates and honours Kinsta's rate-limit headers."""

from __future__ import annotations

import email.utils
import itertools
import time

import anyio
import pytest
from virtual_time import OrderedClock

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


PACE = 60.0 / 108  # busy callers' calls, once the budget is shared: 108 a minute, evenly spaced


def times_of(granted: list[tuple[str, float]], caller: str) -> list[float]:
    return sorted(t for c, t in granted if c == caller)


def most_in_a_window(times: list[float], window: float = 60.0) -> int:
    """The most grants in any `window` seconds (a sliding window, as Kinsta counts)."""
    ordered = sorted(times)
    return max((sum(start <= t < start + window for t in ordered) for start in ordered), default=0)


async def test_a_light_principal_does_not_wait_while_another_floods(clock: FakeClock) -> None:
    """Once the budget is shared, a light caller's calls (under 12 in the window) go at once however
    many calls the flooder queues, and the flooder, busy, is paced: no burst takes the window."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "light")  # the light caller has been seen
    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(calls_as, limiter, clock, granted, "flood", "", 15)
        group.start_soon(calls_as, limiter, clock, granted, "light", "", 11)
    assert times_of(granted, "light/") == [0.0] * 12  # not one of them waited
    flood = times_of(granted, "flood/")
    assert flood[:12] == [0.0] * 12  # light itself until it has a tenth of the window
    gaps = [b - a for a, b in itertools.pairwise(flood[12:])]
    assert min(gaps) == pytest.approx(PACE)  # then one every 0.56 s at most
    assert most_in_a_window(flood) <= 120 and most_in_a_window([t for _, t in granted]) <= 120
    assert len([t for t in flood if t < 60.0]) + 12 >= 108  # together they got the nine tenths (and light its tenth)


async def test_a_second_principals_12th_call_and_later_ones_are_served_promptly_during_a_flood() -> None:
    """Issue 20, finding 8: the other principal's 12th call waited 11-48 s while one flooded, since
    the flooder's burst held the window. Now every call of the other's, one every 2 s for a minute and
    a half (45 calls: far past a tenth of the window), waits at most about a pace (0.56 s; a little more
    while the first window's bursts are still in it), and the flooder still gets the rest."""
    clock = OrderedClock()
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    waits: list[float] = []
    done = anyio.Event()

    async def as_caller(principal: str, calls: int, every: float) -> None:
        current_principal.set(principal)
        for _ in range(calls):
            asked = clock.now
            await limiter.acquire("acme", RateClass.STANDARD)
            granted.append((principal, clock.now))
            if principal == "other":
                waits.append(clock.now - asked)
            if every:
                await clock.sleep(every)

    async with anyio.create_task_group() as group:
        group.start_soon(clock.drive, done)
        await as_caller("other", 1, 0.0)  # active before the flood, as a user is
        async with anyio.create_task_group() as callers:
            for _ in range(16):  # 16 sessions of the flooder at a time, 25 calls each
                callers.start_soon(as_caller, "flood", 25, 0.0)
            callers.start_soon(as_caller, "other", 45, 2.0)
        done.set()
    assert len(waits) == 46 and len([t for p, t in granted if p == "flood"]) == 400
    assert clock.now > 88.0  # the other's calls spanned a minute and a half
    assert waits[12] <= 1.0  # the 12th call of the flood
    assert max(waits) <= 1.0, waits
    assert most_in_a_window([t for _, t in granted]) <= 120


async def test_two_floods_share_the_budget_equally(clock: FakeClock) -> None:
    """Two principals competing: round-robin on the paced slots gives each half of every window."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "b")  # b is known when a's flood starts
    async with anyio.create_task_group() as group:
        for principal in ("a", "b"):
            for _ in range(10):
                group.start_soon(calls_as, limiter, clock, granted, principal, "", 20)
    for start in (60.0, 90.0, 120.0):  # a steady state, both always waiting
        a = len([t for t in times_of(granted, "a/") if start <= t < start + 60.0])
        b = len([t for t in times_of(granted, "b/") if start <= t < start + 60.0])
        assert abs(a - b) <= 1 and a + b >= 107, (start, a, b)
    assert most_in_a_window([t for _, t in granted]) <= 120


async def test_several_flooders_together_leave_the_last_tenth_to_a_light_caller(clock: FakeClock) -> None:
    """Three flooders: served in turn on the paced slots (an equal share each), and a light caller
    arriving a minute in gets its 12 calls at once."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    await calls_as(limiter, clock, granted, "light")

    async def light_later() -> None:
        await clock.sleep(60.0)
        await calls_as(limiter, clock, granted, "light", "", 12)

    async with anyio.create_task_group() as group:
        for flooder in ("flood-a", "flood-b", "flood-c"):
            for _ in range(10):
                group.start_soon(calls_as, limiter, clock, granted, flooder, "", 10)
        group.start_soon(light_later)
    assert times_of(granted, "light/") == [0.0] + [60.0] * 12
    shares = [
        len([t for t in times_of(granted, f"{f}/") if 30.0 <= t < 90.0]) for f in ("flood-a", "flood-b", "flood-c")
    ]
    assert max(shares) - min(shares) <= 1 and sum(shares) <= 108, shares
    assert most_in_a_window([t for _, t in granted]) <= 120


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
            for _ in range(8):
                group.start_soon(calls_as, limiter, clock, granted, "local", session, 10)
        group.start_soon(light_later)
    assert times_of(granted, "local/light") == [0.0] + [60.0] * 12
    assert most_in_a_window([t for _, t in granted]) <= 120


async def test_a_newcomer_gets_the_first_freed_slot_and_then_its_tenth(clock: FakeClock) -> None:
    """First contact: a principal alone may use the whole window, so a newcomer waits at most until
    the first slot frees (under a minute), and is served before the flooder's queue; from then on the
    flooder is paced."""
    limiter = RateLimiter(clock)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for _ in range(150):  # all queued before the newcomer: 150 x 2
            group.start_soon(calls_as, limiter, clock, granted, "flood", "", 2)
        group.start_soon(calls_as, limiter, clock, granted, "light", "", 12)
    assert times_of(granted, "light/") == [60.0] * 12  # the first freed slots, ahead of 180 waiting calls
    assert per_caller(granted, 0.0) == {"flood/": 120}  # alone, the flooder had the whole window
    later = [t for t in times_of(granted, "flood/") if t >= 60.0]
    assert later[:12] == [60.0] * 12  # light again once its burst left the window
    assert min(b - a for a, b in itertools.pairwise(later[12:])) >= PACE - 1e-9  # then paced, no burst
    assert most_in_a_window([t for _, t in granted]) <= 120


async def test_waiting_principals_are_served_round_robin(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=10, per_process=10_000, window=10.0)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for principal in ("a", "b", "c"):  # a queues all its calls first
            for _ in range(40):
                group.start_soon(calls_as, limiter, clock, granted, principal)
    assert per_caller(granted, 0.0) == {"a/": 10}  # a was alone when its first calls came
    for start in (20.0, 40.0, 60.0):  # then every window is shared: a third each, not a's 10 first
        counts = [len([t for t in times_of(granted, f"{p}/") if start <= t < start + 10.0]) for p in "abc"]
        assert max(counts) - min(counts) <= 1 and sum(counts) <= 10, (start, counts)
    finished = {caller: max(times_of(granted, caller)) for caller in ("a/", "b/", "c/")}
    # b and c, queued at the same time, finish together (a, served alone at first, before them).
    # First come first served would have left c's first call waiting until t=80.
    assert abs(finished["b/"] - finished["c/"]) <= 10.0 / 9 + 1e-6 and finished["a/"] < finished["b/"]


async def test_sessions_of_one_principal_share_its_slots_round_robin(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, per_company=10, per_process=10_000, window=10.0)
    granted: list[tuple[str, float]] = []
    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(calls_as, limiter, clock, granted, "local", "busy")
        group.start_soon(calls_as, limiter, clock, granted, "local", "quiet", 3)
    quiet = times_of(granted, "local/quiet")
    # The busy session, alone at first, took the window; each quiet call (one after the other) then
    # takes the next paced slot, ahead of the busy session's queue: in first-come order it would wait until t=50.
    # Busy, the two sessions then take the paced slots in turn (old: 10, 20, 30 s).
    assert quiet[0] == 10.0 and quiet[-1] < 15.0, quiet


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
