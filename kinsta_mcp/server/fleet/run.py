"""Sending a batch within Kinsta's limits, and following its operations in one polling loop.

Every request goes through the profile's client, so the shared rate limiter paces it (a
request waits for a slot instead of meeting a 429) and a write is never sent twice. A few
requests are in flight at once (`CONCURRENCY`). Long operations are started, then followed
together: each poll's answer is judged by `waiting.Watch` (the same rules as one call's
wait), and polls are spent where they can tell something: one probe per tick while nothing
has finished, then every operation started no later than one that finished (operations
started together finish together) and a doubling wave of the rest: a batch of N operations
costs about N polls, not N per tick.
The call stays within `operation_wait`; what is still running is returned with its operation
id and remembered for `run_batch(resume=...)`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from pydantic_core import to_jsonable_python

from kinsta_mcp.api.errors import KinstaError
from kinsta_mcp.api.request import RequestBuildError
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import all_dicts
from kinsta_mcp.catalog.spec import Effect, Operation
from kinsta_mcp.config import Profile
from kinsta_mcp.server.fleet.plan import Item
from kinsta_mcp.server.fleet.schema import BatchRow
from kinsta_mcp.server.pipeline import Backend, CallContext, Kinsta, operation_status
from kinsta_mcp.server.shaping import shape
from kinsta_mcp.server.waiting import OperationOutcome, PollAnswer, PollStatus, WaitPolicy, Watch

CONCURRENCY = 6  # requests of one batch in flight at once; the rate limiter paces them further
# Seconds starting may take even when the wait bound is shorter: sending what was confirmed is not
# cut short by a wait bound meant for Kinsta's background work (a batch needing more than Kinsta's
# 120 requests a minute is paced past the first minute).
START_FLOOR = 90.0
# Where Kinsta's final answer names what an operation created.
CREATED_KEYS = {"idBackup": "backup_id", "backup_id": "backup_id", "idSite": "site_id", "idEnvironment": "env_id"}
CREATING = ("create_", "clone_", "add_")


@dataclass(frozen=True)
class Remembered:
    """A batch operation still running when its call returned: enough to report and audit its end."""

    profile: str
    tool: str
    op_name: str
    target: str
    target_id: str
    args: Mapping[str, Any]
    call_id: str


class Memory:
    """Operations batches left running, by id (bounded: the oldest are forgotten first)."""

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._items: OrderedDict[str, Remembered] = OrderedDict()

    def remember(self, operation_id: str, entry: Remembered) -> None:
        self._items[operation_id] = entry
        self._items.move_to_end(operation_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, profile: str, operation_id: str) -> Remembered | None:
        entry = self._items.get(operation_id)
        return entry if entry is not None and entry.profile == profile else None

    def forget(self, operation_id: str) -> None:
        self._items.pop(operation_id, None)


@dataclass
class Pending:
    row: BatchRow
    watch: Watch
    op: Operation | None  # None: an operation id this server does not know (resumed from elsewhere)
    args: Mapping[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    last_polled: float = -math.inf


class Runner:
    """Runs one batch (or resumes one) for a profile, on behalf of one call."""

    def __init__(self, backend: Backend, profile: Profile, call: CallContext, memory: Memory) -> None:
        self.backend = backend
        self.profile = profile
        self.call = call
        self.memory = memory
        self.kinsta = Kinsta(backend, profile)
        self.clock = backend.clock
        self.max_wait = backend.settings.operation_wait
        self.who = {"profile": profile.name, "principal": call.principal, "client": call.client_name}
        self._done = 0
        self._total = 0
        self._pace = anyio.Lock()

    async def _slot(self, op: Operation, by: float = math.inf) -> bool:
        """Wait until the rate limiter has a slot for `op` (False, without waiting, if that is after `by`).

        One task of the batch waits at a time, for the time the limiter names: the requests in flight
        then take the slots in turn instead of all sleeping on the clock at once.
        """
        async with self._pace:
            limiter = self.kinsta.client.limiter
            wait = limiter.wait_time(self.profile.company_id, op.rate)
            if self.clock.monotonic() + wait >= by:
                return False
            if wait > 0:
                await self.clock.sleep(wait)
            return True

    # -- running a plan ---------------------------------------------------------------------

    async def run(self, items: Sequence[Item], *, wait: bool, batch_id: str) -> list[BatchRow]:
        start = self.clock.monotonic()
        self._total = len(items)
        rows = [
            BatchRow(target=i.target.label, id=i.target.id, operation=i.step.tool, outcome="not_started") for i in items
        ]
        pending: list[Pending] = []
        limit = anyio.CapacityLimiter(CONCURRENCY)
        start_by = start + max(self.max_wait, START_FLOOR)
        async with anyio.create_task_group() as tg:
            for item, row in zip(items, rows, strict=True):
                tg.start_soon(self._start, item, row, pending, limit, start_by, batch_id)
        if wait and self.max_wait > 0:
            await self._follow(pending, start + self.max_wait)
        self._left_running(pending)
        return rows

    async def _start(
        self, item: Item, row: BatchRow, pending: list[Pending], limit: anyio.CapacityLimiter, by: float, batch: str
    ) -> None:
        op = item.step.op
        async with limit:
            if not await self._slot(op, by):
                row.message = "not started: the time for this call ran out while requests were paced within Kinsta's "
                row.message += "rate limits"
                return
            call_id = self.backend.audit.new_call_id()
            audited = op.effect is not Effect.READ or op.guarded
            if audited:
                self.backend.audit.write(
                    {
                        "call": call_id,
                        "batch": batch,
                        "phase": "intent",
                        "tool": op.name,
                        **self.who,
                        "target": item.target.id,
                        "arguments": to_jsonable_python(dict(item.args)),
                    }
                )
            try:
                response = await self.kinsta.client.call(op, item.args, company_id=self.profile.company_id)
            except (KinstaError, RequestBuildError) as exc:
                row.outcome, row.message = "failed", str(exc)
                if audited:
                    status = getattr(exc, "status", None)
                    self.backend.audit.outcome(call_id, op.name, "error", status=status, message=str(exc))
                await self._finished(row)
                return
        body = response.data if isinstance(response.data, dict) else {}
        if op.is_async and body.get("operation_id"):
            row.outcome, row.operation_id = "running", str(body["operation_id"])
            row.message = str(body.get("message") or "started")
            watch = Watch(row.operation_id, self.clock.monotonic())
            pending.append(Pending(row, watch, op, item.args, call_id))
            return
        row.outcome = "done"
        if op.is_async:
            row.message = "accepted by Kinsta (no operation id to follow)"
        else:
            budget = self.backend.settings.result_budget
            row.data = shape(op, response.data, budget=budget, args=item.args).structured
        if audited:
            self.backend.audit.outcome(call_id, op.name, "ok", status=response.status)
        if op.effect is not Effect.READ:
            await self.backend.written(op, item.args, self.profile.name, self.call)
        await self._finished(row)

    # -- resuming ------------------------------------------------------------------------------

    async def resume(self, operation_ids: Sequence[str]) -> list[BatchRow]:
        start = self.clock.monotonic()
        self._total = len(operation_ids)
        rows, pending = [], []
        for operation_id in dict.fromkeys(operation_ids):
            known = self.memory.get(self.profile.name, operation_id)
            if known is None:
                row = BatchRow(
                    target="(not from a batch this server remembers)",
                    id=operation_id,
                    operation="?",
                    outcome="running",
                    operation_id=operation_id,
                )
                pending.append(Pending(row, Watch(operation_id, start), None))
            else:
                row = BatchRow(
                    target=known.target,
                    id=known.target_id,
                    operation=known.tool,
                    outcome="running",
                    operation_id=operation_id,
                )
                op = BY_NAME[known.op_name]
                pending.append(Pending(row, Watch(operation_id, start), op, known.args, known.call_id))
            rows.append(row)
        await self._follow(pending, start + self.max_wait)
        self._left_running(pending)
        return rows

    # -- one polling loop for every operation ------------------------------------------------

    async def _follow(self, pending: list[Pending], deadline: float) -> None:
        policy = WaitPolicy()
        interval, wave = policy.first_interval, 1
        limit = anyio.CapacityLimiter(CONCURRENCY)
        while pending:
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                return
            confirming = [p for p in pending if p.watch.failure is not None]
            delay = min(interval, policy.confirm_after) if confirming else interval
            await self.clock.sleep(min(delay, remaining))
            others = sorted(
                (p for p in pending if p.watch.failure is None), key=lambda p: (p.last_polled, p.watch.started)
            )
            asked = confirming + others[:wave]
            finished: list[Pending] = []

            async def ask(p: Pending, finished: list[Pending] = finished) -> None:
                async with limit:
                    await self._slot(operation_status())
                    answer = await self._poll(p.watch.operation_id)
                p.last_polled = self.clock.monotonic()
                outcome = p.watch.take(answer, p.last_polled)
                if outcome is not None:
                    finished.append(p)
                    await self._ended(p, outcome)

            async with anyio.create_task_group() as tg:
                for p in asked:
                    tg.start_soon(ask, p)
            for p in finished:
                pending.remove(p)
            if finished:
                # Operations started together finish together: next, ask every one started no later than one
                # that finished (and a growing wave of the rest), sooner.
                latest = max(p.watch.started for p in finished)
                due = sum(1 for p in pending if p.watch.started <= latest)
                interval, wave = policy.first_interval, max(1, due, min(len(pending), 2 * len(finished) + 1))
            else:
                interval, wave = min(interval * policy.growth, policy.max_interval), 1

    async def _poll(self, operation_id: str) -> PollAnswer:
        try:
            return await self.kinsta.poll(operation_id)
        except KinstaError as exc:  # e.g. 401/403: not an answer about the operation; keep waiting within the bound
            return PollAnswer(PollStatus.UNKNOWN, str(exc))

    async def _ended(self, p: Pending, outcome: OperationOutcome) -> None:
        row = p.row
        row.outcome = "done" if outcome.state == "succeeded" else "failed"
        row.message = outcome.message if outcome.state != "not_found" else f"{outcome.message} ({outcome.basis})"
        self.memory.forget(p.watch.operation_id)
        if p.op is not None and p.call_id is not None:
            self.backend.audit.outcome(p.call_id, p.op.name, outcome.state, operation_id=p.watch.operation_id)
        if p.op is not None and outcome.state == "succeeded":
            await self.backend.written(p.op, p.args, self.profile.name, self.call)
            row.created = await self._created(p.op, p.args, outcome.data)
        await self._finished(row)

    def _left_running(self, pending: list[Pending]) -> None:
        now = self.clock.monotonic()
        for p in pending:
            ended = p.watch.ended(now)
            p.row.outcome = "running"
            p.row.message = (ended.message or "running") + (f" ({ended.basis})" if ended.basis else "")
            if p.op is not None and p.call_id is not None:
                self.backend.audit.outcome(p.call_id, p.op.name, "running", operation_id=p.watch.operation_id)
                remembered = Remembered(
                    self.profile.name, p.row.operation, p.op.name, p.row.target, p.row.id, p.args, p.call_id
                )
                self.memory.remember(p.watch.operation_id, remembered)

    async def _finished(self, row: BatchRow) -> None:
        self._done += 1
        await self.call.progress(self._done, self._total, f"{row.target}: {row.outcome}")

    # -- what was created --------------------------------------------------------------------

    async def _created(self, op: Operation, args: Mapping[str, Any], data: Any) -> dict[str, Any] | None:
        if not op.name.startswith(CREATING):
            return None
        found = {name: data[key] for key, name in CREATED_KEYS.items() if isinstance(data, dict) and data.get(key)}
        if not found and op.name == "create_backup" and args.get("env_id"):
            backup_id = await self._find_backup(str(args["env_id"]), args.get("tag"))
            if backup_id is not None:
                found["backup_id"] = backup_id
        return found or None

    async def _find_backup(self, env_id: str, tag: Any) -> Any:
        """Kinsta's final answer need not name the new backup: the newest manual backup with the batch's label."""
        try:
            response = await self.kinsta.client.call(
                BY_NAME["list_backups"], {"env_id": env_id}, company_id=self.profile.company_id
            )
        except (KinstaError, RequestBuildError):
            return None
        manual = [
            b
            for b in all_dicts(response.data)
            if b.get("type") == "manual" and b.get("id") is not None and (tag is None or b.get("note") == tag)
        ]
        newest = max(manual, key=lambda b: b.get("created_at") or 0, default=None)
        return newest.get("id") if newest else None
