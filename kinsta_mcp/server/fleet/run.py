"""Sending a batch within Kinsta's limits, and following its operations in one polling loop.

Each target is one `Action` through the pipeline's core (audit intent, send, settle: the same
steps and audit records as a tool call), under the batch's one guard decision. The rate
limiter paces every request (a request waits for a slot instead of meeting a 429) and a write
is never sent twice. A few requests are in flight at once (`CONCURRENCY`). Long operations are
started, then followed together: each poll's answer is judged by `waiting.Watch` (the same
rules as one call's wait), and polls are spent where they can tell something: one probe per
tick while nothing has finished, then every operation started no later than one that finished
(operations started together finish together) and a doubling wave of the rest: a batch of N
operations costs about N polls, not N per tick.

A batch runs as a job (jobs.py): its call returns by the deadline with what is done, and the
batch goes on in the background. Every operation id is remembered the moment Kinsta answers
(`BatchMemory`: in this process, or in Redis for replicas), so `run_batch(resume=…)` (by operation
id, or the batch's job id) finds each one, even after the batch was cancelled, and on any replica
even after the one that ran the batch stopped: a cancelled batch starts nothing more, and what it
sent is still settled and audited (shielded from the cancellation).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from kinsta_mcp.api.errors import KinstaError
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import all_dicts
from kinsta_mcp.catalog.spec import Effect, Operation
from kinsta_mcp.config import Profile
from kinsta_mcp.server.fleet.plan import Item
from kinsta_mcp.server.fleet.schema import BatchRow
from kinsta_mcp.server.guard import Proceed
from kinsta_mcp.server.pipeline import (
    SETTLE_SECONDS,
    Action,
    Core,
    Kinsta,
    Outcome,
    Sent,
    accepted,
    operation_status,
)
from kinsta_mcp.server.waiting import OperationOutcome, PollAnswer, PollStatus, WaitPolicy, Watch

CONCURRENCY = 6  # requests of one batch in flight at once; the rate limiter paces them further
# Where Kinsta's final answer names what an operation created.
CREATED_KEYS = {"idBackup": "backup_id", "backup_id": "backup_id", "idSite": "site_id", "idEnvironment": "env_id"}
CREATING = ("create_", "clone_", "add_")
Owner = tuple[str, str]


@dataclass(frozen=True)
class Remembered:
    """A batch operation Kinsta accepted: enough to follow it, settle and report it later."""

    owner: Owner
    sent: Sent
    target: str  # the target's label
    batch: str  # the batch's job id
    ended: BatchRow | None = None  # its row once it ended (a later resume shows it, asks nothing)


def item_key(target_id: str | None, tool: str) -> str:
    """One item of a batch: its target and the tool run on it (a preset may run several on one target)."""
    return f"{target_id or ''} {tool}"


class BatchMemory(Protocol):
    """Where the operations batches started are remembered: this process (`Memory`), or Redis for
    replicas (`kinsta_mcp.shared.batches.RedisBatchMemory`). Another owner's entry is never returned.

    Besides each operation, the items of a batch whose write was about to be sent (`sending`): when the
    replica running a batch stops, an item marked but without an operation may have reached Kinsta
    (its answer was lost), and one never marked was not sent."""

    async def sending(self, batch: str, item: str) -> None: ...

    async def sent_items(self, batch: str) -> dict[str, str | None]:
        """The batch's items a write was sent for: item -> its operation id (None: no answer recorded)."""
        ...

    async def remember(self, operation_id: str, entry: Remembered) -> None: ...

    async def get(self, owner: Owner, operation_id: str) -> Remembered | None: ...

    async def of_batch(self, owner: Owner, batch: str) -> list[str]:
        """Every operation id the batch (its job id) started, in the order Kinsta accepted them."""
        ...


class Memory:
    """Operations batches started, by id (bounded: the oldest are forgotten first)."""

    def __init__(self, size: int = 5000, batches: int = 500) -> None:
        self._size = size
        self._items: OrderedDict[str, Remembered] = OrderedDict()
        self._batches = batches
        self._sent: OrderedDict[str, dict[str, str | None]] = OrderedDict()

    async def sending(self, batch: str, item: str) -> None:
        self._sent.setdefault(batch, {}).setdefault(item, None)
        while len(self._sent) > self._batches:
            self._sent.popitem(last=False)

    async def sent_items(self, batch: str) -> dict[str, str | None]:
        return dict(self._sent.get(batch, {}))

    async def remember(self, operation_id: str, entry: Remembered) -> None:
        if entry.batch in self._sent:
            self._sent[entry.batch][item_key(entry.sent.action.target, entry.sent.action.tool)] = operation_id
        known = operation_id in self._items
        self._items[operation_id] = entry
        if not known:
            self._items.move_to_end(operation_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    async def get(self, owner: Owner, operation_id: str) -> Remembered | None:
        entry = self._items.get(operation_id)
        return entry if entry is not None and entry.owner == owner else None

    async def of_batch(self, owner: Owner, batch: str) -> list[str]:
        return [op_id for op_id, e in self._items.items() if e.batch == batch and e.owner == owner]


def remembered_record(entry: Remembered) -> dict[str, Any]:
    """A remembered operation as JSON, for a shared store: the request as sent (by operation name and
    profile name), Kinsta's answer, and its row once it ended."""
    sent, action = entry.sent, entry.sent.action
    return {
        "owner": list(entry.owner),
        "target": entry.target,
        "batch": entry.batch,
        "ended": entry.ended.model_dump(mode="json") if entry.ended is not None else None,
        "op": action.op.name,
        "args": action.args,
        "profile": action.profile.name,
        "tool": action.tool,
        "given": dict(action.given),
        "target_id": action.target,
        "call_id": sent.call_id,
        "status": sent.status,
        "data": sent.data,
    }


def remembered_of(data: Mapping[str, Any], profiles: Mapping[str, Profile]) -> Remembered | None:
    """The entry back from its record (None when this replica does not know its profile or operation)."""
    op, profile = BY_NAME.get(str(data["op"])), profiles.get(str(data["profile"]))
    if op is None or profile is None:
        return None
    action = Action(
        op, dict(data["args"]), profile, str(data["tool"]), dict(data["given"]), str(data["batch"]), data["target_id"]
    )
    principal, profile_name = data["owner"]
    ended = BatchRow.model_validate(data["ended"]) if data.get("ended") else None
    sent = Sent(action, str(data["call_id"]), int(data["status"]), data["data"])
    return Remembered((str(principal), str(profile_name)), sent, str(data["target"]), str(data["batch"]), ended)


@dataclass
class Pending:
    row: BatchRow
    watch: Watch
    sent: Sent | None  # None: an operation id this server does not know (resumed from elsewhere)
    last_polled: float = -math.inf


class Runner:
    """Runs one batch (or resumes one) for a profile, through the core of the batch's job."""

    def __init__(
        self,
        core: Core,
        profile: Profile,
        memory: BatchMemory,
        batch: str = "",
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        self.core = core
        self.profile = profile
        self.memory = memory
        self.batch = batch
        self.kinsta = Kinsta(core.backend, profile)
        self.clock = core.clock
        self.on_progress = on_progress
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
            wait = limiter.wait_time(self.profile.company_id or "", op.rate)
            if self.clock.monotonic() + wait >= by:
                return False
            if wait > 0:
                await self.clock.sleep(wait)
            return True

    # -- running a plan ---------------------------------------------------------------------

    async def run(
        self, items: Sequence[Item], rows: list[BatchRow], *, wait: bool, decided: Proceed, follow_for: float
    ) -> None:
        """Start every item (rows filled in as they go), then follow what runs for `follow_for` seconds."""
        self._total = len(items)
        pending: list[Pending] = []
        limit = anyio.CapacityLimiter(CONCURRENCY)
        try:
            async with anyio.create_task_group() as tg:
                for item, row in zip(items, rows, strict=True):
                    tg.start_soon(self._start, item, row, pending, limit, decided)
            if wait:
                await self._follow(pending, self.clock.monotonic() + follow_for)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(SETTLE_SECONDS):
                for p in pending:
                    if p.sent is not None:
                        await self.core.settle_cancelled(p.sent)
                    p.row.message = "the batch was cancelled while this ran; outcome unknown (resume follows it)"
                for row in rows:
                    if row.outcome == "not_started":
                        row.message = "not started: the batch was cancelled"
            raise
        self._left_running(pending)

    async def _start(
        self, item: Item, row: BatchRow, pending: list[Pending], limit: anyio.CapacityLimiter, decided: Proceed
    ) -> None:
        op = item.step.op
        action = Action(op, dict(item.args), self.profile, item.step.tool, item.args, self.batch, item.target.id)
        async with limit:
            if not await self._slot(op, self.core.deadline):
                row.message = "not started: the time for this batch ran out while requests were paced within "
                row.message += "Kinsta's rate limits"
                return
            if op.effect is not Effect.READ:  # marked first: if this replica stops, a resume says it may be sent
                await self.memory.sending(self.batch, item_key(item.target.id, item.step.tool))
            call_id = self.core.intent(action, decided.confirmed_by)  # 4
            sent = await self.core.send(action, call_id)  # 5
        if isinstance(sent, Outcome):
            row.outcome, row.message = "failed", sent.text
            await self._finished(row)
            return
        if sent.operation_id is not None:  # remembered at once: resume finds it even if the batch is cancelled
            row.outcome, row.operation_id = "running", sent.operation_id
            entry = Remembered(self.core.scope.owner, sent, row.target, self.batch)
            with anyio.CancelScope(shield=True):  # recorded even when the batch is cancelled meanwhile
                await self.memory.remember(sent.operation_id, entry)
            row.message = str((sent.data or {}).get("message") or "started")
            pending.append(Pending(row, Watch(sent.operation_id, self.clock.monotonic()), sent))
            return
        result = await self.core.settle(sent, accepted(sent.data) if op.is_async else None)  # 7-9
        row.outcome = "done"
        if op.is_async:
            row.message = "accepted by Kinsta (no operation id to follow)"
        else:
            row.data = result.structured
        await self._finished(row)

    # -- resuming ------------------------------------------------------------------------------

    async def resume(
        self, operation_ids: Sequence[str], follow_for: float, rows: list[BatchRow] | None = None
    ) -> list[BatchRow]:
        """Follow operations by id; `rows` (filled in as it goes) shows where they stand meanwhile."""
        start = self.clock.monotonic()
        self._total = len(operation_ids)
        rows = rows if rows is not None else []
        pending = []
        for operation_id in dict.fromkeys(operation_ids):
            known = await self.memory.get(self.core.scope.owner, operation_id)
            if known is None:
                row = BatchRow(
                    target="(not from a batch this server remembers)",
                    id=operation_id,
                    operation="?",
                    outcome="running",
                    operation_id=operation_id,
                )
                pending.append(Pending(row, Watch(operation_id, start), None))
            elif known.ended is not None:  # it ended already: its row, nothing asked again
                rows.append(known.ended.model_copy())
                continue
            else:
                action = known.sent.action
                row = BatchRow(
                    target=known.target,
                    id=action.target or "",
                    operation=action.tool,
                    outcome="running",
                    operation_id=operation_id,
                )
                pending.append(Pending(row, Watch(operation_id, start), known.sent))
            rows.append(row)
        await self._follow(pending, start + follow_for)
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
                    if not await self._slot(operation_status(), deadline):
                        return  # no rate slot before the deadline: it stays running
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
        if p.sent is not None:
            await self.core.settle(p.sent, outcome)  # 7-9
            if outcome.state == "succeeded":
                row.created = await self._created(p.sent.action.op, p.sent.action.args, outcome.data)
            known = await self.memory.get(self.core.scope.owner, p.watch.operation_id)
            if known is not None:
                ended = Remembered(known.owner, known.sent, known.target, known.batch, row.model_copy())
                await self.memory.remember(p.watch.operation_id, ended)
        await self._finished(row)

    def _left_running(self, pending: list[Pending]) -> None:
        now = self.clock.monotonic()
        for p in pending:
            ended = p.watch.ended(now)
            p.row.outcome = "running"
            p.row.message = (ended.message or "running") + (f" ({ended.basis})" if ended.basis else "")
            if p.sent is not None:
                self.core.audit_outcome(p.sent, "running", operation_id=p.watch.operation_id)

    async def _finished(self, row: BatchRow) -> None:
        self._done += 1
        if self.on_progress is not None:
            self.on_progress(self._done, self._total, f"{row.target}: {row.outcome}")

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
        op = BY_NAME["list_backups"]
        action = Action(op, {"env_id": env_id}, self.profile, op.name, {"env_id": env_id}, self.batch, env_id)
        sent = await self.core.send(action, self.core.intent(action, "not-required"))  # a read: steps 4-5 only
        if isinstance(sent, Outcome):
            return None
        manual = [
            b
            for b in all_dicts(sent.data)
            if b.get("type") == "manual" and b.get("id") is not None and (tag is None or b.get("note") == tag)
        ]
        newest = max(manual, key=lambda b: b.get("created_at") or 0, default=None)
        return newest.get("id") if newest else None
