"""One tool call, top to bottom, and the one core every request to Kinsta runs through.

The caller is resolved once, at the MCP edge (sdk.py), into a `RequestScope`: principal,
profile, connection, client, the tools it may use. Everything below takes it from the call.

A tool call (`run_call`):
    0. names         names.resolve_names: site and environment names given as ids become ids
    1. validate      arguments.parse: options, the operation, its input model (once)
    2. profile       the scope's profile (a bound token fixes it, naming another is refused);
                     arguments the environment carries are filled in (fill_from_environment),
                     update_version "latest" becomes the listed update (latest.resolve_latest)
    then a special tool (find, the overview, run_batch, wait_for_operation) with the
    same `Core`, or the call's one `Action` through the core.

The core (`Core.execute`), for every action: a tool call, each run_batch target, each
request to Kinsta a special tool makes (its reads through `Core.read`: the same steps a read has,
answered from the shared read cache):
    3. guard         consequences.judge: what these arguments make the call; guard.decide: one
                     Decision (proceed, refuse, or ask the human); a batch target carries its
                     batch's decision
    4. audit         the intent, on disk before anything is sent
    5. send          the Kinsta client (rate limits, retries where safe), never waiting for a rate
                     slot past the call's deadline: a read waits as a job and may go on after the
                     call answered; a change is then not sent at all (Core.send_later)
    6. await         waiting.wait_for, for operations Kinsta runs in the background, up to
                     operation_wait and never past the call's deadline (call_deadline) (a batch
                     follows its operations together in one polling loop, then settles each)
    7. shape         the result for the model: both channels, secrets redacted
    8. audit         the outcome: one record shape for every action
    9. invalidate    drop cached reads the write may have changed, announce changed resources

Once a request may have reached Kinsta, its bookkeeping is shielded from cancellation: the
client awaits a write's answer even when the call is cancelled (api/client.py), and steps 8-9
still run, the audit saying "cancelled" (outcome unknown) with Kinsta's operation id.

This module knows neither httpx nor the MCP SDK: the call's MCP side comes in as a
`CallContext` (implemented in sdk.py), and what it returns is an `Outcome` or a guard `Ask`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from pydantic import ValidationError

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.clock import Alarms, Clock
from kinsta_mcp.api.errors import (
    InvalidResponseError,
    KinstaConnectionError,
    KinstaError,
    KinstaTimeoutError,
    NoRateSlotError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from kinsta_mcp.api.ratelimit import call_time_left, slot_time_left, slots_within
from kinsta_mcp.api.request import RequestBuildError
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import find_environment
from kinsta_mcp.catalog.spec import LATEST, Effect, Operation
from kinsta_mcp.config import Confirmation, Profile, Settings
from kinsta_mcp.server.approvals import ApprovalStore, Binding
from kinsta_mcp.server.arguments import ArgumentError, Parsed, describe_validation, parse
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.compiled import OPTION_COMPANY, ToolDef
from kinsta_mcp.server.consequences import Judged, judge
from kinsta_mcp.server.guard import Ask, Confirmer, Decision, Guarded, Preview, Proceed, Refuse, decide
from kinsta_mcp.server.jobs import PROGRESS_AFTER, JobError
from kinsta_mcp.server.latest import resolve_latest
from kinsta_mcp.server.listedit import apply_edit
from kinsta_mcp.server.names import Resolution, resolve_names
from kinsta_mcp.server.periods import today_of
from kinsta_mcp.server.previews import Previewer
from kinsta_mcp.server.reads import Reader, ReadFailure, ReadRefused, Reads
from kinsta_mcp.server.scope import RequestScope, ScopeError
from kinsta_mcp.server.shaping import shape, shape_outcome
from kinsta_mcp.server.waiting import OperationOutcome, PollAnswer, PollStatus, wait_for

if TYPE_CHECKING:
    from kinsta_mcp.server.fleet.run import BatchMemory
    from kinsta_mcp.server.jobs import Job, Jobs

log = logging.getLogger("kinsta_mcp.pipeline")

CANCELLED = "cancelled"  # the audit outcome of a request sent, whose call was cancelled: outcome unknown
SETTLE_SECONDS = 10.0  # at most this long for a cancelled call's bookkeeping (shielded from the cancellation)
NOT_SENT = "not_sent"  # the audit outcome of a request not sent (its call was cancelled, or had no time for a slot)
SEND_MARGIN = 3.0  # a request's rate slot must come this long before its call's deadline (Kinsta's answer, ours)


def operation_status() -> Operation:
    """The operation status read (looked up when first needed: the catalog loads on first use)."""
    return BY_NAME["get_operation"]


@dataclass(frozen=True)
class Outcome:
    """What a call answers: the text, the structured result, and whether it is an error."""

    text: str
    structured: dict[str, Any] | None = None
    is_error: bool = False


class CallContext(Confirmer, Protocol):
    """The MCP side of one call, as the pipeline needs it (sdk.McpCall implements it)."""

    @property
    def scope(self) -> RequestScope:
        """Who is calling, resolved once at the edge."""
        ...

    async def progress(self, done: float, total: float | None, message: str) -> None: ...

    async def resources_changed(self, uris: list[str]) -> None:
        """Tell this call's client which resources a write changed (2025-11-25 sessions)."""
        ...


WriteListener = Callable[[Operation, Mapping[str, Any], str, CallContext], Awaitable[None]]
"""Told after a write succeeded: the operation, its arguments, the profile name, the call."""

Special = Callable[["Core", Parsed, Profile], Awaitable["Outcome | Ask"]]


@dataclass
class Backend:
    """What calls need from outside MCP: settings, Kinsta clients, time, the trail, approvals, reads, jobs."""

    settings: Settings
    clients: Mapping[str, KinstaClient]  # one per company profile
    clock: Clock
    audit: AuditLog
    approvals: ApprovalStore
    reader: Reader
    jobs: Jobs | None = None
    batches: BatchMemory | None = None  # the operations batches started (shared by replicas when jobs are)
    write_listeners: list[WriteListener] = field(default_factory=list)
    specials: dict[str, Special] = field(default_factory=dict)

    async def written(self, op: Operation, args: Mapping[str, Any], profile: str, call: CallContext) -> None:
        for listener in self.write_listeners:
            try:
                await listener(op, args, profile, call)
            except Exception:  # a cache that fails to refresh must not fail the write
                log.exception("write listener failed after %s", op.name)


CallRefused = ScopeError  # a per-call refusal that is not about the arguments (a profile the token forbids)


def _names_profile(settings: Settings, arguments: Mapping[str, Any] | None, scope: RequestScope) -> Profile | None:
    """The profile names are looked up in; None when the call's company is not available (validation says so)."""
    requested = (arguments or {}).get(OPTION_COMPANY)
    if requested is not None and not (isinstance(requested, str) and requested in settings.profiles):
        return None
    try:
        return scope.profile_for(settings, requested)
    except ScopeError:
        return None


def _stating(answer: Any, resolved: list[Resolution]) -> Any:
    """The answer, saying first what each name stood for (text line and `resolved` in structured content)."""
    if not resolved or not isinstance(answer, Outcome):
        return answer
    structured = answer.structured
    if structured is not None:
        names = {r.argument: r.as_json() for r in resolved}
        structured = {**structured, "resolved": {**structured.get("resolved", {}), **names}}
    text = "\n".join([*(r.line() for r in resolved), answer.text])
    return Outcome(text, structured, answer.is_error)


# -- a tool call: steps 0-2, then a special tool or the core ------------------------------------


async def run_call(tool: ToolDef, arguments: Mapping[str, Any] | None, call: CallContext, backend: Backend) -> Any:
    """Run one call; returns an `Outcome`, or a guard `Ask` for the adapter to put to the human."""
    core = Core(backend, call)
    try:
        profile = _names_profile(backend.settings, arguments, call.scope)
        try:
            check = functools.partial(parse, tool, settings=backend.settings)
            arguments, resolved = await resolve_names(tool, arguments, backend.reader, profile, check)  # 0
        except ArgumentError as exc:
            return Outcome(str(exc), is_error=True)
        return _stating(await _run_with_ids(tool, arguments, core, profile), resolved)
    finally:
        core.close()


async def _run_with_ids(tool: ToolDef, arguments: Mapping[str, Any], core: Core, profile: Profile | None) -> Any:
    """Steps 1-2, then the core. `profile` is the one names were looked up in (same company argument);
    None when it was not available, and then resolving it again says why."""
    settings, reader = core.backend.settings, core.backend.reader
    try:
        parsed = parse(tool, arguments, settings)  # 1
        if profile is None:
            profile = core.scope.profile_for(settings, parsed.company)  # 2
    except (ArgumentError, ScopeError) as exc:
        return Outcome(str(exc), is_error=True)
    if tool.special is not None:
        return await core.backend.specials[tool.special](core, parsed, profile)
    op = parsed.op
    assert op is not None
    if op.from_environment:
        missing = await fill_from_environment(op, parsed.args, reader, profile)
        if missing:
            return Outcome(missing, is_error=True)
    if op.latest_from:
        no_update = await resolve_latest(op, parsed.args, reader, profile)
        if no_update:
            return Outcome(no_update, is_error=True)
    if op.edits:  # add/remove against the current list: the resulting list is what is judged and sent
        not_applied = await apply_edit(op, parsed.args, reader, profile)
        if not_applied:
            return Outcome(not_applied, is_error=True)
    action = Action(op, parsed.args, profile, tool.name, parsed.given)
    result = await core.execute(action, token=parsed.token, wait=parsed.wait, full=parsed.full)  # 3-9
    if isinstance(result, Outcome) and op.latest_from and parsed.given.get("update_version") == LATEST:
        version = parsed.args["update_version"]  # say what "latest" was
        structured = {**(result.structured or {}), "resolved": {"update_version": version}}
        result = Outcome(f'update_version "latest" is {version}.\n{result.text}', structured, result.is_error)
    return result


# -- the core: steps 3-9 for every action -------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One request to Kinsta the core runs: an operation with validated arguments, for a profile."""

    op: Operation
    args: dict[str, Any]
    profile: Profile
    tool: str  # the tool the caller used (a grouped tool's name), for the audit and approvals
    given: Mapping[str, Any]  # the arguments as given: what an approval is bound to, what the audit shows
    batch: str | None = None  # the batch this is a target of (its audit record's id)
    target: str | None = None  # the batch target's id
    judged: Judged | None = None  # what its arguments make it (consequences.judge), once judged

    @property
    def audited(self) -> bool:
        guarded = (self.judged or self.op).guarded
        return self.op.effect is not Effect.READ or guarded  # every change, and every revealed secret


@dataclass(frozen=True)
class Sent:
    """A request Kinsta answered: what the steps after sending need."""

    action: Action
    call_id: str  # the audit record's id
    status: int
    data: Any

    @property
    def operation_id(self) -> str | None:
        body = self.data if isinstance(self.data, dict) else {}
        return str(body["operation_id"]) if self.action.op.is_async and body.get("operation_id") else None


class Core(Reads):
    """Runs actions for one call: its scope, its MCP side, the backend, and the call's deadline.

    It is also how a special tool reads Kinsta (`read`, and `lookup`/`site_list` on top of it)."""

    def __init__(
        self, backend: Backend, call: CallContext, deadline: float | None = None, *, answers: bool = True
    ) -> None:
        """`answers`: this core answers a call (a job's core does not: nothing waits at its deadline).
        An answering core bounds every request made for its call to rate slots that come in time (see
        `slot_time_left`); it holds until `close`, which the code that made the core calls."""
        self.answers = answers
        self.backend = backend
        self.call = call
        self.scope = call.scope
        self.clock = backend.clock
        self.deadline = deadline if deadline is not None else self.clock.monotonic() + backend.settings.call_deadline
        # A virtual clock (tests) wakes the call at its deadline, however far other tasks sleep meanwhile.
        clock = self.clock
        self.deadline_alarm = clock.alarm(self.deadline) if answers and isinstance(clock, Alarms) else None
        self._slots = slot_time_left.set(self.slot_time_left) if answers else None
        self._answer_by = call_time_left.set(self.remaining) if answers else None

    def close(self) -> None:
        """The call answered: its deadline no longer holds anything."""
        if self.deadline_alarm is not None:
            self.deadline_alarm.cancel()
        if self._slots is not None:
            slot_time_left.reset(self._slots)
            self._slots = None
        if self._answer_by is not None:
            call_time_left.reset(self._answer_by)
            self._answer_by = None

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock.monotonic())

    def slot_time_left(self) -> float:
        """Seconds a request of this call may still wait for a rate slot (the limiter asks, api/ratelimit.py)."""
        return self.remaining() - SEND_MARGIN

    async def execute(
        self,
        action: Action,
        *,
        token: str | None = None,
        wait: bool = True,
        full: bool = False,
        decided: Proceed | None = None,
    ) -> Outcome | Ask:
        """Steps 3-9 for one action, top to bottom. `decided`: a batch's decision, for its targets."""
        decision: Decision | None = decided
        if decision is None:
            asks = self.backend.settings.confirmation is not Confirmation.OFF
            judged = await judge(action.op, action.args, self.backend.reader, action.profile, asks=asks)  # 3
            if isinstance(judged, str):  # what these arguments make it: refused before anyone is asked
                return Outcome(judged, is_error=True)
            action = dataclasses.replace(action, judged=judged)
            if self.answers and self.sent_only_now(action) and (slot := self.slot_wait(action)) > self.slot_time_left():
                return self.not_sent(action, slot)  # before anyone is asked for it
            decision = await self.decide(judged, action.tool, action.given, action.profile, token, self.preview(action))
        if not isinstance(decision, Proceed):
            return self.refused(action.tool, decision, {"arguments": action.given}, action.profile)
        slot = self.slot_wait(action) if self.answers else 0.0
        if slot > PROGRESS_AFTER:  # Kinsta's rate budget has no slot at hand: wait as a job, with progress
            return await self.send_later(action, decision, slot, wait=wait, full=full)
        try:
            return await self.finish(action, decision, wait=wait, full=full)
        except NoRateSlotError as exc:  # a read whose slot (or the pause Kinsta asked for) came too late after all
            return await self.send_later(action, decision, exc.retry_after or 0.0, wait=wait, full=full)

    async def finish(
        self,
        action: Action,
        decision: Proceed,
        *,
        wait: bool = True,
        full: bool = False,
        slots: Callable[[], float] | None = None,
    ) -> Outcome:
        """Steps 4-9 for an action the guard let through. `slots`: how long its request may wait for a rate
        slot (a job sending for a call that still waits), else the bound of the call this core answers."""
        with slots_within(slots) if slots is not None else contextlib.nullcontext():
            sent = await self.send(action, self.intent(action, decision.confirmed_by))  # 4, 5
        if isinstance(sent, Outcome):
            return sent
        async with self.settled_if_cancelled(sent):
            if not action.op.is_async:
                return await self.settle(sent, None, full=full)  # 7-9
            try:
                outcome = await self.await_operation(sent) if wait else accepted(sent.data)  # 6
            except KinstaError as exc:  # e.g. the key lost its rights meanwhile: the operation itself was started
                self.audit_outcome(sent, "unknown", message=str(exc), operation_id=sent.operation_id)  # 8
                await self.invalidate(sent)  # 9
                return unfollowed(action.op.title, sent.data, exc)  # 7
            return await self.settle(sent, outcome)  # 7-9

    # -- waiting for Kinsta's rate budget ---------------------------------------------------------

    def slot_wait(self, action: Action) -> float:
        """Seconds until Kinsta's rate budget has a slot for the action's request (0: now)."""
        client = self.backend.clients[action.profile.name]
        return client.slot_wait(action.op, action.profile.company_id)

    @staticmethod
    def sent_only_now(action: Action) -> bool:
        """A change, or anything a human confirms, is sent while its call waits, or not at all: the actions
        the audit records."""
        return action.audited

    async def send_later(
        self, action: Action, decision: Proceed, slot: float, *, wait: bool, full: bool
    ) -> Outcome | Ask:
        """Step 5 when the rate slot is `slot` seconds away: the call waits for it as a job, with progress,
        and answers by its deadline. A read goes on after that (its result is kept for
        wait_for_operation(job_id=…)). A change, or a call a human confirmed, is never sent once its call
        answered: a change approved for now must not happen minutes later, unseen, after the model moved
        on. When its slot comes after the call's deadline nothing is sent and the call says when to try again."""
        now_only = self.sent_only_now(action)
        if now_only and slot > self.slot_time_left():
            return self.not_sent(action, slot)
        jobs = self.backend.jobs
        if jobs is None:
            return await self.finish(action, decision, wait=wait, full=full)
        bound = self.slot_time_left if now_only else None
        title = action.op.title

        async def work(job: Job, core: Core) -> Outcome:
            job.report(0, None, f"not sent yet: Kinsta's rate budget frees a request slot in about {math.ceil(slot)} s")
            return await core.finish(action, decision, wait=wait, full=full, slots=bound)

        try:
            job = await jobs.start(self, "call", title, work)
        except JobError:  # the caller runs its most jobs already: wait here if the slot comes in time
            if slot > self.slot_time_left():
                return self.not_sent(action, slot)
            try:
                return await self.finish(action, decision, wait=wait, full=full)
            except NoRateSlotError as exc:  # it came too late after all (callers ahead): nothing was sent
                return Outcome(f"{title}: {exc}", is_error=True)
        return await jobs.wait(self, job, stop_if_cancelled=True)

    def not_sent(self, action: Action, slot: float) -> Outcome:
        """A change (or a confirmed call; or a read when the caller runs its most jobs already) whose rate slot
        comes after its call's deadline: refused, recorded."""
        seconds = max(1, math.ceil(slot))
        again = ", and the human is asked again" if (action.judged or action.op).guarded else ""
        text = (
            f"{action.op.title} was not sent: Kinsta's rate budget for this company has no free request slot for "
            f"{seconds} s, longer than this call may wait. Nothing was sent, and nothing will be sent later: call "
            f"{action.tool} again in {seconds} s{again}."
        )
        self.refused(action.tool, Refuse(text), {"arguments": action.given}, action.profile)
        return Outcome(text, is_error=True)

    # -- a special tool's read -----------------------------------------------------------------

    async def read(self, op: Operation, args: Mapping[str, Any], profile: Profile) -> Any:
        """A special tool's read of Kinsta (the overview, find, a batch's plan, the traffic report) or a
        resource's, its raw answer for the caller to shape: the steps of `execute` a read has. The profile
        must be one the call's scope may act for (2); the guard's view of the call (3): only a read that
        needs no one runs here (one that reveals a secret goes through its own tool, which asks); audited as
        any action is (4, 8: a plain read is not); sent through the shared read cache (5): repeated within
        `resource_ttl` it costs nothing, and a write drops it (9). Raises one of `reads.ReadFailure`."""
        profile = self.scope.profile_for(self.backend.settings, profile.name)  # 2 (ScopeError: not this caller's)
        judged = await judge(op, args, self.backend.reader, profile)  # 3
        if isinstance(judged, str) or op.effect is not Effect.READ or judged.guarded:
            why = judged if isinstance(judged, str) else f"{op.title} needs its own tool ({judged.name})"
            raise ReadRefused(f"{why}; nothing was sent")
        action = Action(op, dict(args), profile, judged.name, dict(args), judged=judged)
        call_id = self.intent(action, "not-required")  # 4
        try:
            data = await self.backend.reader.read(op, args, profile)  # 5, from the cache when it holds it
        except ReadFailure as exc:
            self._outcome(action, call_id, "error", status=getattr(exc, "status", None), message=str(exc))  # 8
            raise
        self._outcome(action, call_id, "ok")  # 8
        return data

    # -- the steps ----------------------------------------------------------------------------

    @property
    def budget(self) -> int:
        return self.backend.settings.result_budget

    def preview(self, action: Action) -> Callable[[], Awaitable[Preview]]:
        judged = action.judged or action.op
        return lambda: Previewer(self.backend.reader, action.profile).describe(judged, action.args)

    async def decide(
        self,
        guarded: Guarded,
        tool: str,
        given: Mapping[str, Any],
        profile: Profile,
        token: str | None,
        preview: Callable[[], Awaitable[Preview]],
    ) -> Decision:
        """Step 3: the guard's decision (for an operation, or a batch's plan), bound to the tool, its
        arguments, the profile, the principal and the connection."""
        binding = Binding(tool, given, profile.name, self.scope.principal, self.scope.connection)
        confirmation = self.backend.settings.confirmation
        return await decide(guarded, binding, confirmation, self.call, self.backend.approvals, token, preview)

    def who(self, profile: Profile) -> dict[str, Any]:
        who = {"profile": profile.name, "principal": self.scope.principal, "client": self.scope.client_name}
        return {**who, **dict(self.scope.identity)}

    def refused(self, tool: str, decision: Decision, details: Mapping[str, Any], profile: Profile) -> Outcome | Ask:
        """A decision other than Proceed: an Ask goes back to the client; a refusal is audited for the company
        the call named (`profile`), and answered."""
        if isinstance(decision, Ask):
            return decision
        assert isinstance(decision, Refuse)
        self.backend.audit.write(
            {"tool": tool, "phase": "refused", **self.who(profile), **details, "reason": decision.text}
        )
        return Outcome(decision.text, is_error=True)

    def intent(self, action: Action, confirmed_by: str) -> str:
        """Step 4: the intent, on disk before anything is sent (for writes and revealed secrets)."""
        call_id = self.backend.audit.new_call_id()
        if action.audited:
            batch = {"batch": action.batch, "target": action.target} if action.batch is not None else {}
            self.backend.audit.write(
                {
                    "call": call_id,
                    "phase": "intent",
                    "tool": action.tool,
                    "operation": action.op.name,
                    **self.who(action.profile),
                    **batch,
                    "arguments": dict(action.given),
                    "confirmed_by": confirmed_by,
                }
            )
        return call_id

    async def send(self, action: Action, call_id: str) -> Sent | Outcome:
        """Step 5: send (the client waits for a rate slot, never past the call's `slot_time_left`). An error
        answer, or no slot in time, is an Outcome."""
        client = self.backend.clients[action.profile.name]
        op = action.op
        try:
            response = await client.call(op, action.args, company_id=action.profile.company_id)
        except NoRateSlotError as exc:  # no slot before the call's deadline: nothing went out
            self._outcome(action, call_id, NOT_SENT, message=str(exc))
            if self.answers and not self.sent_only_now(action) and self.backend.jobs is not None:
                raise  # a read: `execute` goes on with it as a job
            return Outcome(f"{op.title}: {exc}", is_error=True)
        except (KinstaError, RequestBuildError) as exc:
            self._outcome(action, call_id, "error", status=getattr(exc, "status", None), message=str(exc))
            return Outcome(f"{op.title} failed: {exc}", is_error=True)
        except anyio.get_cancelled_exc_class():  # before sending: the client awaits a write once it is on the wire
            with anyio.CancelScope(shield=True):
                self._outcome(action, call_id, NOT_SENT, message="the call was cancelled before it was sent")
            raise
        return Sent(action, call_id, response.status, response.data)

    async def await_operation(self, sent: Sent) -> OperationOutcome:
        """Step 6: poll Kinsta's operation until it ends, within the call's deadline."""
        if sent.operation_id is None or self.operation_wait() <= 0:
            return accepted(sent.data)
        return await self.follow(sent.operation_id, sent.action.profile, sent.action.op.title)

    def operation_wait(self) -> float:
        """How long this call may poll a long operation: `operation_wait`, within its deadline."""
        return min(self.backend.settings.operation_wait, self.remaining())

    async def follow(self, operation_id: str, profile: Profile, label: str) -> OperationOutcome:
        """Poll Kinsta's operation until it ends or this call may wait no longer, telling the client."""
        max_wait = self.operation_wait()
        kinsta = Kinsta(self.backend, profile)

        async def progress(elapsed: float, message: str) -> None:
            await self.call.progress(elapsed, max_wait, f"{label}: {message} ({elapsed:.0f}s)")

        poll = functools.partial(kinsta.poll, by=self.deadline)
        return await wait_for(operation_id, poll, self.clock, max_wait, progress)

    async def settle(self, sent: Sent, outcome: OperationOutcome | None, *, full: bool = False) -> Outcome:
        """Steps 7-9 once the action ended (or its wait did): shape, audit the outcome, invalidate.
        `outcome` None: Kinsta's direct answer."""
        op = sent.action.op
        if outcome is None:
            today = today_of(self.clock)
            shaped = shape(op, sent.data, full=full, budget=self.budget, args=sent.action.args, today=today)  # 7
            result = Outcome(shaped.text, shaped.structured)
            self.audit_outcome(sent, "ok", status=sent.status)  # 8
        else:
            result = outcome_result(op.title, outcome, op, self.budget)  # 7
            self.audit_outcome(sent, outcome.state, operation_id=outcome.operation_id)  # 8
        await self.invalidate(sent)  # 9
        return result

    @contextlib.asynccontextmanager
    async def settled_if_cancelled(self, sent: Sent) -> AsyncIterator[None]:
        """Cancelled once Kinsta accepted the request: steps 8-9 still run (shielded), then it is re-raised."""
        try:
            yield
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(SETTLE_SECONDS):
                await self.settle_cancelled(sent)
            raise

    def audit_outcome(self, sent: Sent, outcome: str, **details: Any) -> None:
        """Step 8: the outcome, matched to its intent by `call`."""
        self._outcome(sent.action, sent.call_id, outcome, **details)

    def _outcome(self, action: Action, call_id: str, outcome: str, **details: Any) -> None:
        if action.audited:
            kept = {k: v for k, v in details.items() if v is not None}
            self.backend.audit.outcome(call_id, action.tool, outcome, **kept)

    async def invalidate(self, sent: Sent) -> None:
        """Step 9: a write drops the reads it may have changed and announces them."""
        if sent.action.op.effect is not Effect.READ:
            await self.backend.written(sent.action.op, sent.action.args, sent.action.profile.name, self.call)

    async def settle_cancelled(self, sent: Sent) -> None:
        """Steps 8-9 for an action whose call was cancelled after Kinsta accepted it (run shielded)."""
        message = "the call was cancelled after Kinsta accepted the request; outcome unknown"
        self.audit_outcome(sent, CANCELLED, message=message, operation_id=sent.operation_id, status=sent.status)
        await self.invalidate(sent)


def accepted(body: Any) -> OperationOutcome:
    """A long operation not awaited: running (with its id to follow) or accepted (Kinsta gave none)."""
    body = body if isinstance(body, dict) else {}
    operation_id = body.get("operation_id")
    # Kinsta may answer a long operation at once, with data and no id to follow: keep what it said.
    rest = {k: v for k, v in body.items() if k not in ("operation_id", "message", "status")}
    return OperationOutcome(
        operation_id=str(operation_id) if operation_id else None,
        state="running" if operation_id else "accepted",
        message=body.get("message"),
        data=rest or None,
    )


async def fill_from_environment(op: Operation, args: dict[str, Any], reader: Reader, profile: Profile) -> str | None:
    """Fill omitted arguments the environment carries (e.g. its CDN cache id); a message when it cannot."""
    wanted = [name for name in op.from_environment if args.get(name) is None]
    if not wanted:
        return None
    source = op.environment_argument or "env_id"
    found = find_environment(await reader.site_list(profile), str(args.get(source)))
    site, env = found if found else ({}, {})
    for name in wanted:
        value = op.environment_value(name, site.get("id"), env)
        if value is None:
            return (
                f"Invalid arguments for {op.name}; nothing was sent:\n- {name}: not given, and environment "
                f"{args.get(source)} ({source}) has none to fill it in (list_environments with full=true shows it)"
            )
        args[name] = str(value)
    return None


# -- talking to Kinsta for one call -----------------------------------------------------------


class Kinsta:
    """One call's view of Kinsta: the profile's client, and polling its operations."""

    def __init__(self, backend: Backend, profile: Profile) -> None:
        self.backend = backend
        self.profile = profile
        self.client = backend.clients[profile.name]

    async def poll(self, operation_id: str, by: float = math.inf) -> PollAnswer:
        """One poll; not asked (UNKNOWN) when no rate slot comes before `by`."""
        if self.backend.clock.monotonic() + self.client.slot_wait(operation_status(), self.profile.company_id) > by:
            return PollAnswer(PollStatus.UNKNOWN, "no rate slot before the call's deadline")
        try:
            response = await self.client.call(
                operation_status(),
                {"operation_id": operation_id},
                company_id=self.profile.company_id,
                retry_server_errors=False,  # a 500 with Kinsta's body is an answer, not a reason to retry
            )
        except NotFoundError as exc:
            return PollAnswer(PollStatus.NOT_FOUND, exc.kinsta_message)
        except ServerError as exc:
            if exc.status == 500 and exc.kinsta_message:  # Kinsta's own JSON answer: the operation failed
                return PollAnswer(PollStatus.FAILED, exc.kinsta_message, exc.data)
            return PollAnswer(PollStatus.UNKNOWN, f"HTTP {exc.status} without Kinsta's answer")
        except (KinstaTimeoutError, KinstaConnectionError, InvalidResponseError, RateLimitedError) as exc:
            return PollAnswer(PollStatus.UNKNOWN, _UNASKED[type(exc)])
        body = response.data if isinstance(response.data, dict) else {}
        message = body.get("message")
        text = str(message) if message is not None else None
        if response.status == 200:
            return PollAnswer(PollStatus.SUCCEEDED, text, body.get("data"))
        return PollAnswer(PollStatus.RUNNING, text)


_UNASKED: dict[type[KinstaError], str] = {
    NoRateSlotError: "no rate slot before the call's deadline",
    KinstaTimeoutError: "Kinsta did not answer in time",
    KinstaConnectionError: "the connection to Kinsta failed",
    InvalidResponseError: "Kinsta's answer was not JSON",
    RateLimitedError: "rate limited",
}


# -- shaping ------------------------------------------------------------------------------------


def outcome_result(title: str, outcome: OperationOutcome, op: Operation | None, budget: int) -> Outcome:
    shaped = shape_outcome(title, outcome.model_dump(mode="json", exclude_none=True), op=op, budget=budget)
    return Outcome(shaped.text, shaped.structured, is_error=outcome.state in ("failed", "not_found"))


def unfollowed(title: str, body: Any, exc: KinstaError) -> Outcome:
    """Kinsta accepted the operation but asking about it failed for a reason polling cannot ride out."""
    operation_id = body.get("operation_id") if isinstance(body, dict) else None
    return Outcome(
        f"{title}: Kinsta started it (operation {operation_id}), but following it failed: {exc} "
        f"Do not start it again; check with wait_for_operation(operation_id={str(operation_id)!r}).",
        is_error=True,
    )


# -- the special tools ----------------------------------------------------------------------------


async def wait_tool(core: Core, parsed: Parsed, profile: Profile) -> Outcome:
    """wait_for_operation: resume waiting on a long operation by its id, within the call's deadline."""
    try:  # the same id rule as get_operation's, and the same message for a bad one
        operation_id = str(operation_status().input.model_validate(parsed.args).operation_id)  # type: ignore[attr-defined]
    except ValidationError as exc:
        return Outcome(describe_validation("wait_for_operation", exc), is_error=True)
    try:
        outcome = await core.follow(operation_id, profile, operation_id)
    except KinstaError as exc:  # a refusal (403, 401...) is not "not known yet": say it, stop waiting
        return Outcome(f"Waiting for {operation_id} failed: {exc}", is_error=True)
    return outcome_result(f"Operation {operation_id}", outcome, None, core.budget)
