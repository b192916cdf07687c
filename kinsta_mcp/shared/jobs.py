"""Job records shared by replicas (`server.jobs.JobStore` over Redis): any replica lists a caller's jobs
and waits for one another replica runs.

A job runs as a task in the replica that started it. Its record (`server.jobs.record`: owner, state,
progress, what is done so far, and its result once it finished) is written when it starts, as it
progresses (at most every `FLUSH_EVERY` s), and when it ends, under `kinsta-mcp:job:<id>` with Redis's
expiry: the job's longest run plus `KEEP_FINISHED` while it runs, `KEEP_FINISHED` once it ended. Each
owner's job ids are listed in a sorted set (the newest `MAX_JOBS_PER_OWNER`). While it runs, its
replica renews a short-lived `kinsta-mcp:job-alive:<id>`: a record that says running without it is a
job whose replica stopped (killed, or its Redis connection lost for longer than `ALIVE_SECONDS`), and
is reported as stopped, with what it had done. The owner check is `Jobs.get`'s, on the record's owner.

A wait on another replica's job reads its record every `FOLLOW_EVERY` s (real time) and moves the
waiting call on as it changes: progress, then the result.

If Redis goes away, a job still starts and runs here (a read, e.g. the overview, goes on: writes are
refused before anything is sent, by the rate limiter and the approvals), but only this replica finds
it; listing shows this replica's jobs, and a job of another replica cannot be found until Redis is back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import anyio
from pydantic import BaseModel

from kinsta_mcp.server.jobs import (
    KEEP_FINISHED,
    MAX_SECONDS,
    Job,
    JobError,
    Owner,
    follow_record,
    from_record,
    lost,
    record,
)
from kinsta_mcp.shared.store import SharedState, SharedStateUnavailable

log = logging.getLogger("kinsta_mcp.shared")

FLUSH_EVERY = 0.25  # a running job's record is rewritten (when it changed) at most this often (real seconds)
ALIVE_SECONDS = 6.0  # a running job's replica renews its mark every third of this; without it the job stopped
FOLLOW_EVERY = 0.25  # a wait for another replica's job reads its record this often (real seconds)
MAX_JOBS_PER_OWNER = 200  # the newest kept in an owner's list (each record expires on its own too)
MAX_RECORD_CHARS = 1_000_000  # a larger record (a huge result) is kept without its structured part
STOPPED = "the replica running it stopped before it finished"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON: {type(value).__name__}")


def encode(job: Job) -> str:
    data = record(job)
    text = json.dumps(data, default=_plain, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_RECORD_CHARS:  # bounded: keep the texts, drop the structured parts
        for name in ("result", "so_far"):
            if data[name]:
                data[name] = {**data[name], "structured": None, "text": data[name]["text"][: MAX_RECORD_CHARS // 4]}
        data["data"] = {}
        text = json.dumps(data, default=_plain, ensure_ascii=False, separators=(",", ":"))
    return text


class RedisJobStore:
    """`JobStore` whose records live in Redis (see the module docstring)."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._here: dict[str, Job] = {}  # running in this process (their live objects); ended while Redis was away

    def _key(self, job_id: str) -> str:
        return self.shared.key("job", job_id)

    def _alive(self, job_id: str) -> str:
        return self.shared.key("job-alive", job_id)

    def _index(self, owner: Owner) -> str:
        return self.shared.key("jobs", hashlib.sha256("\x1f".join(owner).encode()).hexdigest())

    # -- jobs started here -------------------------------------------------------------------

    async def add(self, job: Job) -> None:
        self._here[job.id] = job
        index = self._index(job.owner)
        try:
            with self.shared.reaching("starting a job"):
                async with self.shared.redis.pipeline(transaction=True) as pipe:
                    pipe.set(self._key(job.id), encode(job), px=int((MAX_SECONDS + KEEP_FINISHED) * 1000))
                    pipe.set(self._alive(job.id), self.shared.replica, px=int(ALIVE_SECONDS * 1000))
                    pipe.zadd(index, {job.id: time.time()})
                    pipe.zremrangebyrank(index, 0, -(MAX_JOBS_PER_OWNER + 1))
                    pipe.pexpire(index, int((MAX_SECONDS + KEEP_FINISHED) * 1000))
                    await pipe.execute()
        except SharedStateUnavailable:
            log.warning("job %s runs without a shared record: redis at %s unreachable", job.id, self.shared.where)

    @asynccontextmanager
    async def keeping(self, job: Job) -> AsyncIterator[None]:
        flusher = asyncio.get_running_loop().create_task(self._flush_while_running(job))
        try:
            yield
        finally:
            flusher.cancel()
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                with suppress(asyncio.CancelledError):
                    await flusher
                saved = await self._save(job)  # its end, for every replica
            if saved:
                self._here.pop(job.id, None)
            else:  # Redis is away: this replica keeps it (the newest MAX_JOBS_PER_OWNER finished ones)
                ended = [j for j in self._here.values() if not j.running]
                for old in ended[: max(0, len(ended) - MAX_JOBS_PER_OWNER)]:
                    self._here.pop(old.id, None)

    async def _flush_while_running(self, job: Job) -> None:
        """The record rewritten when it changed (looked at every FLUSH_EVERY s: a batch's rows change as its
        operations start, between its progress reports), and the alive mark renewed."""
        written, renewed = "", time.monotonic()
        while job.running:
            await anyio.sleep(FLUSH_EVERY)
            text = encode(job)
            renew = time.monotonic() - renewed >= ALIVE_SECONDS / 3
            if text == written and not renew:
                continue
            try:
                async with self.shared.redis.pipeline(transaction=False) as pipe:
                    if text != written:
                        pipe.set(self._key(job.id), text, px=int((MAX_SECONDS + KEEP_FINISHED) * 1000))
                    pipe.set(self._alive(job.id), self.shared.replica, px=int(ALIVE_SECONDS * 1000))
                    await pipe.execute()
                written, renewed = text, time.monotonic()
            except Exception as exc:  # progress is best effort: the job goes on
                log.warning("job %s: progress not shared: %s", job.id, type(exc).__name__)

    async def _save(self, job: Job) -> bool:
        try:
            async with self.shared.redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key(job.id), encode(job), px=int(KEEP_FINISHED * 1000))
                pipe.delete(self._alive(job.id))
                await pipe.execute()
        except Exception as exc:
            log.warning("job %s: its end not shared: %s", job.id, type(exc).__name__)
            return False
        return True

    def here(self) -> list[Job]:
        return list(self._here.values())

    # -- finding any replica's jobs ----------------------------------------------------------

    async def get(self, job_id: str) -> Job | None:
        if job_id in self._here:
            return self._here[job_id]
        try:
            with self.shared.reaching("finding a job"):
                raw, alive = await self.shared.redis.mget([self._key(job_id), self._alive(job_id)])
        except SharedStateUnavailable as exc:
            raise JobError(str(exc)) from None
        return self._seen(raw, alive)

    def _seen(self, raw: bytes | str | None, alive: bytes | str | None) -> Job | None:
        if raw is None:
            return None
        try:
            job = from_record(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            return None  # not a record of ours
        if job.running and alive is None:
            lost(job, STOPPED)
        return job

    async def listed(self, owner: Owner) -> list[Job]:
        index = self._index(owner)
        mine_here = [j for j in self._here.values() if j.owner == owner]
        try:
            with self.shared.reaching("listing jobs"):
                ids = [str(i) for i in await self.shared.redis.zrange(index, 0, -1)]
                keys = [self._key(i) for i in ids] + [self._alive(i) for i in ids]
                values = await self.shared.redis.mget(keys) if ids else []
        except SharedStateUnavailable:
            return mine_here  # Redis is away: this replica's jobs only
        jobs: list[Job] = []
        gone = []
        for job_id, raw, alive in zip(ids, values[: len(ids)], values[len(ids) :], strict=True):
            job = self._here.get(job_id) or self._seen(raw, alive)
            if job is None:
                gone.append(job_id)
            else:
                jobs.append(job)
        if gone:
            with suppress(Exception):
                await self.shared.redis.zrem(index, *gone)
        listed = {j.id for j in jobs}
        return jobs + [j for j in mine_here if j.id not in listed]

    @asynccontextmanager
    async def watching(self, job: Job) -> AsyncIterator[None]:
        if not job.elsewhere or job.finished.is_set():
            yield
            return
        async with anyio.create_task_group() as group:
            group.start_soon(self._follow, job)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    async def _follow(self, job: Job) -> None:
        """Move `job` (another replica's) on as its record changes, until it ended."""
        while not job.finished.is_set():
            await anyio.sleep(FOLLOW_EVERY)
            try:
                raw, alive = await self.shared.redis.mget([self._key(job.id), self._alive(job.id)])
            except Exception as exc:  # Redis away for a moment: the wait goes on by its deadline
                log.warning("job %s: its record unreadable: %s", job.id, type(exc).__name__)
                continue
            if raw is None:
                lost(job, "its record expired")
                return
            follow_record(job, json.loads(raw))
            if job.running and alive is None:
                lost(job, STOPPED)
            elif job.running:  # the waiting call looks at its clock again (its deadline may have passed)
                job.report(job.done, job.total, job.message)
