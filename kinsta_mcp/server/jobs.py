"""Jobs: work that outlives the call that started it, bounded, owned by its caller, listed in one place.

No call runs past its deadline (`call_deadline`, 45 s by default, below the 60-second cut of
common clients). Work that may take longer — the company overview, a batch, any whole-company
read — runs as a `Job`: the call starts it, waits for it until the deadline (sending progress
notifications at least every `PROGRESS_EVERY` seconds once it runs past `PROGRESS_AFTER`), and
answers its result if it finished in time; otherwise it answers what is done so far, the job's
id and how to continue (`wait_for_operation(job_id=…)`). The job goes on in the background within the rate
budget; its finished result is kept for `KEEP_FINISHED` seconds.

Jobs belong to the scope's owner (principal, profile): another principal, or the same token on
another profile, cannot list, fetch or stop them. Bounds: `MAX_JOBS` kept (the oldest finished
forgotten first), `MAX_RUNNING_PER_OWNER` running per owner, each stopped after `MAX_SECONDS`.
A call cancelled by its client stops the job it started (requests already sent are settled and
audited; see pipeline.py).

The tasks run in the process that started them; their records live in a `JobStore`: this process's
memory (`MemoryJobStore`, the default), or Redis when replicas share state
(`kinsta_mcp.shared.jobs.RedisJobStore`): then any replica lists a caller's jobs and waits for one
that another replica runs (its progress, or its result once it finished), and a job whose replica
stopped is reported as stopped, with what it had done.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio

from kinsta_mcp.api.clock import Alarm, Alarms, Clock
from kinsta_mcp.api.ratelimit import call_time_left, slot_time_left

if TYPE_CHECKING:
    from kinsta_mcp.server.pipeline import CallContext, Core, Outcome
    from kinsta_mcp.server.scope import RequestScope

PROGRESS_AFTER = 2.0  # a call running longer than this sends progress (when the client asked for it)
PROGRESS_EVERY = 4.0  # and then at least this often (the promise is 5 s)
KEEP_FINISHED = 3600.0  # a finished job's result is kept this long
MAX_SECONDS = 1800.0  # a job still running after this is stopped
MAX_JOBS = 200
MAX_RUNNING_PER_OWNER = 5
_SLICE = 0.25  # real seconds between looks at the clock while waiting (a virtual clock moves only when work sleeps)

State = Literal["running", "done", "failed", "cancelled", "stopped"]
Owner = tuple[str, str]  # (principal, profile)
Work = Callable[["Job", "Core"], Awaitable["Outcome"]]


class JobError(Exception):
    """A job cannot be started or found; `str()` is the message for the model."""


@dataclass
class Job:
    """One piece of long work: what it is, whose, where it stands, and (once finished) its result."""

    id: str
    kind: str  # "overview", "batch", ...: a running job of the same kind and owner is joined, not repeated
    title: str
    owner: Owner
    key: str = ""  # what the work is about, for joining ("" for work never joined, e.g. a batch)
    state: State = "running"
    done: int = 0
    total: int | None = None
    message: str = "started"
    finished_at: float | None = None
    result: Outcome | None = None
    partial: Callable[[], Outcome] | None = None  # what is done so far, while it runs
    data: dict[str, Any] = field(default_factory=dict)  # the work's own record (a batch's rows)
    elsewhere: bool = False  # a record of a job another replica runs (or ran): no task here
    finished: anyio.Event = field(default_factory=anyio.Event)
    changed: anyio.Event = field(default_factory=anyio.Event)  # set (and replaced) at each report
    _task: asyncio.Task[None] | None = None

    def report(self, done: int, total: int | None, message: str) -> None:
        self.done, self.total, self.message = done, total, message
        self.changed.set()
        self.changed = anyio.Event()

    @property
    def running(self) -> bool:
        return self.state == "running"

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def summary(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "kind": self.kind,
            "title": self.title,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
        }

    def line(self) -> str:
        count = f" {self.done}/{self.total}" if self.total is not None else ""
        where = ", on another replica" if self.elsewhere and self.running else ""
        return f"{self.id} {self.title}: {self.state}{count}{where} ({self.message})"


def record(job: Job) -> dict[str, Any]:
    """The job as a shared store keeps it (JSON-able): who, what, where it stands, what is done so far, and
    its result once it finished. `data` must already be JSON-able (the work's own record, e.g. rows)."""
    so_far = job.partial() if job.partial is not None and job.running else None
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "owner": list(job.owner),
        "key": job.key,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "result": _outcome_record(job.result),
        "so_far": _outcome_record(so_far),
        "data": job.data,
    }


def from_record(data: dict[str, Any]) -> Job:
    """A job another replica runs or ran, from its record (no task here; its events follow the record
    while someone waits for it: `JobStore.watching`)."""
    principal, profile = data["owner"]
    job = Job(
        str(data["id"]),
        str(data["kind"]),
        str(data["title"]),
        (str(principal), str(profile)),
        str(data.get("key", "")),
        elsewhere=True,
    )
    follow_record(job, data)
    return job


def follow_record(job: Job, data: dict[str, Any]) -> None:
    """Bring a job seen from another replica up to its record: progress, and its end when it ended."""
    job.data = data.get("data") or {}
    so_far = _outcome_of(data.get("so_far"))
    if so_far is not None:
        job.partial = lambda: so_far
    if (data["done"], data["total"], data["message"]) != (job.done, job.total, job.message):
        job.report(int(data["done"]), data["total"], str(data["message"]))
    if data["state"] != "running" and not job.finished.is_set():
        job.state = data["state"]
        job.result = _outcome_of(data.get("result")) or _so_far(job, f"{job.title}: {job.state}.")
        job.finished.set()
        job.changed.set()


def lost(job: Job, why: str) -> None:
    """A job whose replica stopped before it finished (its record says running, nobody runs it): stopped,
    with what it had done."""
    job.state, job.message = "stopped", why
    job.result = _so_far(job, f"{job.title}: stopped: {why}.")
    job.finished.set()
    job.changed.set()


def _outcome_record(outcome: Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {"text": outcome.text, "structured": outcome.structured, "is_error": outcome.is_error}


def _outcome_of(data: dict[str, Any] | None) -> Outcome | None:
    from kinsta_mcp.server.pipeline import Outcome

    if not data:
        return None
    return Outcome(str(data["text"]), data.get("structured"), bool(data.get("is_error")))


class JobStore(Protocol):
    """Where job records are kept. Owner checks are `Jobs`'s; a store finds records by id and owner."""

    async def add(self, job: Job) -> None:
        """A job started in this process."""
        ...

    def keeping(self, job: Job) -> AbstractAsyncContextManager[None]:
        """Around the run of a job started here: keeps its record up to date (progress, then its end)."""
        ...

    def watching(self, job: Job) -> AbstractAsyncContextManager[None]:
        """Around a wait for a job: a job running elsewhere has its fields and events follow its record."""
        ...

    async def get(self, job_id: str) -> Job | None: ...

    async def listed(self, owner: Owner) -> list[Job]:
        """The owner's jobs, oldest first."""
        ...

    def here(self) -> list[Job]:
        """The jobs this process runs (stopped when it ends)."""
        ...


@asynccontextmanager
async def unchanged(job: Job) -> AsyncIterator[None]:
    yield


class MemoryJobStore:
    """The records of one process (the default): bounded here, forgotten when it ends."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    async def add(self, job: Job) -> None:
        self._sweep()
        self._jobs[job.id] = job

    keeping = watching = staticmethod(unchanged)

    async def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    async def listed(self, owner: Owner) -> list[Job]:
        self._sweep()
        return [job for job in self._jobs.values() if job.owner == owner]

    def here(self) -> list[Job]:
        return list(self._jobs.values())

    def _sweep(self) -> None:
        """Forget finished jobs past their time, then the oldest finished ones beyond MAX_JOBS."""
        now = self.clock.monotonic()
        for job in list(self._jobs.values()):
            if job.finished_at is not None and now - job.finished_at > KEEP_FINISHED:
                del self._jobs[job.id]
        finished = sorted((j for j in self._jobs.values() if not j.running), key=lambda j: j.finished_at or 0)
        for job in finished[: max(0, len(self._jobs) - MAX_JOBS)]:
            del self._jobs[job.id]


class Jobs:
    """Starts jobs, waits for them within a call's deadline, and finds them for their owner."""

    def __init__(self, clock: Clock, store: JobStore | None = None) -> None:
        self.clock = clock
        self.store: JobStore = store or MemoryJobStore(clock)

    # -- finding -----------------------------------------------------------------------------

    async def mine(self, scope: RequestScope) -> list[Job]:
        return [job for job in await self.store.listed(scope.owner) if job.owner == scope.owner]

    async def get(self, scope: RequestScope, job_id: str) -> Job:
        """The caller's job; another owner's job is "not found", the same as no job at all."""
        job = await self.store.get(job_id)
        if job is None or job.owner != scope.owner:
            raise JobError(
                f"No job {job_id!r} for this caller (jobs belong to the principal and company that started them, "
                f"and are kept {KEEP_FINISHED / 60:.0f} minutes after they finish). wait_for_operation without ids "
                "lists yours."
            )
        return job

    # -- starting ----------------------------------------------------------------------------

    async def start(
        self, core: Core, kind: str, title: str, work: Work, *, key: str = "", mine: list[Job] | None = None
    ) -> Job:
        """Start `work` in the background for the call's scope (JobError when the owner runs too many).
        `mine`: the owner's jobs, when the caller has just listed them."""
        scope = core.scope
        busy = [j for j in (mine if mine is not None else await self.mine(scope)) if j.running]
        if len(busy) >= MAX_RUNNING_PER_OWNER:
            raise JobError(
                f"{title}: not started: {len(busy)} jobs of yours are still running ({', '.join(j.id for j in busy)}). "
                "Wait for one with wait_for_operation(job_id=…). Nothing was sent."
            )
        job = Job("job_" + secrets.token_hex(8), kind, title, scope.owner, key)
        await self.store.add(job)
        detached = _detached(core, job, self.clock.monotonic() + MAX_SECONDS)
        job._task = asyncio.get_running_loop().create_task(self._kept(job, work, detached))
        return job

    async def _kept(self, job: Job, work: Work, core: Core) -> None:
        async with self.store.keeping(job):
            await self._run(job, work, core)

    async def _run(self, job: Job, work: Work, core: Core) -> None:
        from kinsta_mcp.server.pipeline import Outcome

        # This task's own context: a job's requests wait for slots and answers past its call's deadline.
        slot_time_left.set(None)
        call_time_left.set(None)
        try:
            with anyio.fail_after(MAX_SECONDS):  # a hard bound in real time, whatever the clock
                job.result = await work(job, core)
            job.state = "failed" if job.result.is_error else "done"
        except TimeoutError:
            job.state, job.message = "stopped", f"stopped after {MAX_SECONDS / 60:.0f} minutes"
            job.result = _so_far(job, f"{job.title}: stopped after {MAX_SECONDS / 60:.0f} minutes.")
        except asyncio.CancelledError:
            job.state = "cancelled"
            job.result = _so_far(job, f"{job.title}: cancelled; requests already sent were recorded.")
        except Exception as exc:  # a bug must not leave the job running forever with no word
            job.state = "failed"
            job.result = Outcome(f"{job.title} failed: {type(exc).__name__}", is_error=True)
        finally:
            job.finished_at = self.clock.monotonic()
            job.partial = None
            job.finished.set()
            job.changed.set()

    # -- waiting within a call -----------------------------------------------------------------

    async def run(self, core: Core, kind: str, title: str, work: Work, *, key: str = "") -> Outcome:
        """Start (or join the caller's running job of this kind and key) and wait for it within the call."""
        mine = await self.mine(core.scope)  # listed once: what to join, and how many run (a store read)
        job = next((j for j in mine if j.running and j.kind == kind and j.key == key), None) if key else None
        joined = job is not None
        if job is None:
            try:
                job = await self.start(core, kind, title, work, key=key, mine=mine)
            except JobError as exc:
                from kinsta_mcp.server.pipeline import Outcome

                return Outcome(str(exc), is_error=True)
        return await self.wait(core, job, stop_if_cancelled=not joined)

    async def wait(self, core: Core, job: Job, *, stop_if_cancelled: bool = False) -> Outcome:
        """The job's result if it ends before the call's deadline, else where it stands and how to continue.
        Progress goes to the call meanwhile (see `_Progress`); a job another replica runs is followed
        through its record."""
        async with self.store.watching(job):
            return await self._wait(core, job, stop_if_cancelled=stop_if_cancelled)

    async def _wait(self, core: Core, job: Job, *, stop_if_cancelled: bool = False) -> Outcome:
        clock = core.clock
        deadline = core.deadline_alarm  # a virtual clock wakes us at the call's deadline
        progress = _Progress(core, job)
        woke: Alarm | None = None
        try:
            while not job.finished.is_set():
                now = clock.monotonic()
                if now >= core.deadline:
                    break
                await progress.tell(now)
                if woke is not None:
                    woke.cancel()  # told at the instant it rang: time may move on
                woke = await _until(job.changed, clock, min(core.deadline, progress.due), deadline)
            if job.finished.is_set():
                await progress.tell(clock.monotonic(), final=True)
        except anyio.get_cancelled_exc_class():
            if stop_if_cancelled:
                job.cancel()
            raise
        finally:
            if woke is not None:
                woke.cancel()
            core.close()  # the answer is made at this instant (no await from here on)
        if job.finished.is_set() and job.result is not None:
            return job.result
        return still_running(job)

    def close(self) -> None:
        """Stop every job running in this process (it is ending)."""
        for job in self.store.here():
            job.cancel()


def still_running(job: Job) -> Outcome:
    """A job not finished when the call's time ran out: what is done, its id, how to continue."""

    count = f" ({job.done} of {job.total} done)" if job.total is not None else ""
    where = " on another replica" if job.elsewhere else ""
    head = (
        f"{job.title}: still running{where} as job {job.id}{count}: {job.message}. It goes on in the background; "
        f'wait_for_operation(job_id="{job.id}") returns the result when it is done. Do not start it again.'
    )
    return _so_far(job, head, is_error=False, label="So far:\n")


def _so_far(job: Job, head: str, *, is_error: bool = True, label: str = "") -> Outcome:
    """`head`, then what the job had done: its tool's own shape (a batch's rows, totals and `resume`), with
    the job beside it."""
    from kinsta_mcp.server.pipeline import Outcome

    so_far = job.partial() if job.partial is not None else None
    if so_far is None:
        return Outcome(head, {"job": job.summary()}, is_error=is_error)
    structured = {**(so_far.structured or {}), "job": job.summary()}
    return Outcome(f"{head}\n{label}{so_far.text}", structured, is_error=is_error)


async def _until(event: anyio.Event, clock: Clock, at: float, deadline: Alarm | None = None) -> Alarm | None:
    """Wait for `event`, or until `clock` reads `at` (or `deadline` rings). A virtual clock (tests) moves
    only when work sleeps: it wakes us by alarm (api.clock.Alarms), and the alarm that woke us is
    returned still holding the clock, for the caller to act at that instant and then cancel it. A real
    clock is looked at in short slices."""
    seconds = at - clock.monotonic()
    if seconds <= 0 or (deadline is not None and deadline.rung.is_set()):
        return None
    with anyio.move_on_after(seconds):  # never longer in real time either
        if isinstance(clock, Alarms):
            alarm = clock.alarm(at)
            try:
                async with anyio.create_task_group() as tg:

                    async def first(wait: Callable[[], Awaitable[bool | None]]) -> None:
                        await wait()
                        tg.cancel_scope.cancel()

                    for wake in (event, alarm.rung, deadline.rung if deadline is not None else None):
                        if wake is not None:
                            tg.start_soon(first, wake.wait)
            finally:
                if not alarm.rung.is_set():
                    alarm.cancel()
            return alarm if not alarm.cancelled else None
        while not event.is_set() and clock.monotonic() < at:
            with anyio.move_on_after(_SLICE):
                await event.wait()
    return None


class _Progress:
    """Progress notifications for a call waiting on a job (the SDK sends none without a progress token).

    A job that counts (a batch: done of total) is told as its count grows, and at least every
    PROGRESS_EVERY seconds after PROGRESS_AFTER: a count that did not move is told as count + k/1000
    (the protocol wants every value larger than the last; the fraction does not show in a percentage).
    A job that does not count is told its elapsed seconds."""

    def __init__(self, core: Core, job: Job) -> None:
        self.core, self.job = core, job
        self.started = core.clock.monotonic()
        self.last_told = self.started - PROGRESS_EVERY
        self.told_done = 0
        self.beats = 0

    @property
    def due(self) -> float:
        return max(self.started + PROGRESS_AFTER, self.last_told + PROGRESS_EVERY)

    async def tell(self, now: float, *, final: bool = False) -> None:
        job = self.job
        value: float
        if final and (job.total is None or job.done <= self.told_done):
            return  # the end is told by the result itself
        if job.total is not None and job.done > self.told_done:
            value, self.told_done, self.beats = job.done, job.done, 0
        elif now >= self.due:
            self.beats += 1
            value = job.done + min(self.beats, 999) / 1000 if job.total is not None else round(now - self.started, 3)
        else:
            return
        self.last_told = now
        await self.core.call.progress(value, job.total, f"{job.title}: {job.message}")


class _JobCall:
    """A job's MCP side: it has no call to report to once its call returned (progress goes to the job;
    resource changes to the bus only, through the write listeners), and it never asks the human."""

    def __init__(self, call: CallContext, job: Job) -> None:
        self._call = call
        self._job = job
        self.scope = call.scope

    can_elicit = False
    asks_in_rounds = False

    async def elicit(self, message: str, schema: dict[str, Any]) -> Any:
        raise RuntimeError("a job never asks the human: its call decided before starting it")

    def round_answer(self) -> tuple[str | None, Any]:
        return None, None

    async def progress(self, done: float, total: float | None, message: str) -> None:
        self._job.message = message

    async def resources_changed(self, uris: list[str]) -> None:
        return None


def _detached(core: Core, job: Job, deadline: float) -> Core:
    from kinsta_mcp.server.pipeline import Core

    return Core(core.backend, _JobCall(core.call, job), deadline, answers=False)
