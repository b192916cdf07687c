"""One tool call, top to bottom.

    0. names         names.resolve_names: site and environment names given as ids become ids
    1. validate      arguments.parse: options, the operation, its input model (once)
    2. profile       resolve_profile: the company the call acts for (an HTTP token may fix it);
                     arguments the environment carries are filled in (fill_from_environment),
                     update_version "latest" becomes the listed update (latest.resolve_latest)
    3. guard         guard.decide: one Decision (proceed, refuse, or ask the human)
    4. audit         the intent, on disk before anything is sent
    5. send          the Kinsta client (rate limits, retries where safe)
    6. await         waiting.wait_for, for operations Kinsta runs in the background
    7. shape         the result for the model: both channels, secrets redacted
    8. audit         the outcome
    9. invalidate    drop cached reads the write may have changed, announce changed resources

This module knows neither httpx nor the MCP SDK: the call's MCP side comes in as a
`CallContext` (implemented in sdk.py), and what it returns is an `Outcome` or a guard `Ask`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.clock import Clock
from kinsta_mcp.api.errors import (
    InvalidResponseError,
    KinstaConnectionError,
    KinstaError,
    KinstaTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from kinsta_mcp.api.request import RequestBuildError
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import find_environment
from kinsta_mcp.catalog.spec import LATEST, Effect, Operation
from kinsta_mcp.config import ConfigError, Confirmation, Profile, Settings
from kinsta_mcp.server.approvals import ApprovalStore, Binding
from kinsta_mcp.server.arguments import ArgumentError, Parsed, describe_validation, parse
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.compiled import OPTION_COMPANY, ToolDef
from kinsta_mcp.server.consequences import judge
from kinsta_mcp.server.guard import Ask, Confirmer, Proceed, Refuse, decide
from kinsta_mcp.server.latest import resolve_latest
from kinsta_mcp.server.listedit import apply_edit
from kinsta_mcp.server.names import Resolution, resolve_names
from kinsta_mcp.server.previews import Previewer
from kinsta_mcp.server.reads import Reader
from kinsta_mcp.server.shaping import shape, shape_outcome
from kinsta_mcp.server.waiting import OperationOutcome, PollAnswer, PollStatus, wait_for

log = logging.getLogger("kinsta_mcp.pipeline")


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
    def principal(self) -> str:
        """Who is calling: an HTTP token's label, or "local"."""
        ...

    @property
    def bound_profile(self) -> str | None:
        """The profile an HTTP token binds its calls to, if any."""
        ...

    @property
    def connection(self) -> str:
        """A stable key of the client connection (approvals are bound to it)."""
        ...

    @property
    def client_name(self) -> str | None: ...

    async def progress(self, done: float, total: float, message: str) -> None: ...

    async def resources_changed(self, uris: list[str]) -> None:
        """Tell this call's client which resources a write changed (2025-11-25 sessions)."""
        ...


WriteListener = Callable[[Operation, Mapping[str, Any], str, CallContext], Awaitable[None]]
"""Told after a write succeeded: the operation, its arguments, the profile name, the call."""

Special = Callable[["Backend", Parsed, Profile, CallContext], Awaitable["Outcome | Ask"]]


@dataclass
class Backend:
    """What calls need from outside MCP: settings, Kinsta clients, time, the trail, approvals, reads."""

    settings: Settings
    clients: Mapping[str, KinstaClient]  # one per company profile
    clock: Clock
    audit: AuditLog
    approvals: ApprovalStore
    reader: Reader
    write_listeners: list[WriteListener] = field(default_factory=list)
    specials: dict[str, Special] = field(default_factory=dict)

    async def written(self, op: Operation, args: Mapping[str, Any], profile: str, call: CallContext) -> None:
        for listener in self.write_listeners:
            try:
                await listener(op, args, profile, call)
            except Exception:  # a cache that fails to refresh must not fail the write
                log.exception("write listener failed after %s", op.name)


class CallRefused(Exception):
    """A per-call refusal that is not about the arguments (e.g. a profile the HTTP token forbids)."""


def resolve_profile(settings: Settings, requested: str | None, bound: str | None) -> Profile:
    """The profile a call acts for: the token's, if it is bound to one (naming another is refused)."""
    if bound is not None and requested is not None and requested != bound:
        raise CallRefused(
            f"company {requested!r} is not available: this connection's token is bound to profile {bound!r}; "
            "omit company (or ask for a token bound to that profile). Nothing was sent."
        )
    try:
        return settings.profile(bound or requested)
    except ConfigError as exc:
        raise CallRefused(str(exc)) from None


def _names_profile(settings: Settings, arguments: Mapping[str, Any] | None, bound: str | None) -> Profile | None:
    """The profile names are looked up in; None when the call's company is not available (validation says so)."""
    requested = (arguments or {}).get(OPTION_COMPANY)
    if requested is not None and not (isinstance(requested, str) and requested in settings.profiles):
        return None
    try:
        return resolve_profile(settings, requested, bound)
    except CallRefused:
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


async def run_call(tool: ToolDef, arguments: Mapping[str, Any] | None, call: CallContext, backend: Backend) -> Any:
    """Run one call; returns an `Outcome`, or a guard `Ask` for the adapter to put to the human."""
    settings = backend.settings
    profile = _names_profile(settings, arguments, call.bound_profile)
    try:
        check = functools.partial(parse, tool, settings=settings)
        arguments, resolved = await resolve_names(tool, arguments, backend.reader, profile, check)  # 0
    except ArgumentError as exc:
        return Outcome(str(exc), is_error=True)
    return _stating(await _run_with_ids(tool, arguments, call, backend, profile), resolved)


async def _run_with_ids(
    tool: ToolDef, arguments: Mapping[str, Any], call: CallContext, backend: Backend, profile: Profile | None
) -> Any:
    """Steps 1-9. `profile` is the one names were looked up in (same company argument); None when it
    was not available, and then resolving it again says why."""
    settings = backend.settings
    try:
        parsed = parse(tool, arguments, settings)  # 1
        if profile is None:
            profile = resolve_profile(settings, parsed.company, call.bound_profile)  # 2
    except (ArgumentError, CallRefused) as exc:
        return Outcome(str(exc), is_error=True)
    if tool.special is not None:
        return await backend.specials[tool.special](backend, parsed, profile, call)
    op = parsed.op
    assert op is not None
    kinsta = Kinsta(backend, profile)
    if op.from_environment:
        missing = await fill_from_environment(op, parsed.args, backend.reader, profile)
        if missing:
            return Outcome(missing, is_error=True)
    if op.latest_from:
        no_update = await resolve_latest(op, parsed.args, backend.reader, profile)
        if no_update:
            return Outcome(no_update, is_error=True)
    if op.edits:  # add/remove against the current list: the resulting list is what is judged and sent
        not_applied = await apply_edit(op, parsed.args, backend.reader, profile)
        if not_applied:
            return Outcome(not_applied, is_error=True)

    asks = settings.confirmation is not Confirmation.OFF
    judged = await judge(op, parsed.args, backend.reader, profile, asks=asks)  # 3: what these arguments make it
    if isinstance(judged, str):
        return Outcome(judged, is_error=True)
    binding = Binding(tool.name, parsed.given, profile.name, call.principal, call.connection)
    decision = await decide(  # 3
        judged,
        binding,
        settings.confirmation,
        call,
        backend.approvals,
        parsed.token,
        lambda: Previewer(backend.reader, profile).describe(judged, parsed.args),
    )
    who = {"profile": profile.name, "principal": call.principal, "client": call.client_name}
    if isinstance(decision, Ask):
        return decision
    if isinstance(decision, Refuse):
        backend.audit.write(
            {"tool": tool.name, "phase": "refused", **who, "arguments": parsed.given, "reason": decision.text}
        )
        return Outcome(decision.text, is_error=True)
    assert isinstance(decision, Proceed)

    writes = op.effect is not Effect.READ
    audited = writes or judged.guarded  # every change, and every revealed secret
    call_id = backend.audit.new_call_id()
    if audited:  # 4
        backend.audit.write(
            {
                "call": call_id,
                "phase": "intent",
                "tool": tool.name,
                "operation": op.name,
                **who,
                "arguments": parsed.given,
                "confirmed_by": decision.confirmed_by,
            }
        )
    try:
        response = await kinsta.client.call(op, parsed.args, company_id=profile.company_id)  # 5
    except (KinstaError, RequestBuildError) as exc:
        if audited:
            backend.audit.outcome(call_id, tool.name, "error", status=getattr(exc, "status", None), message=str(exc))
        return Outcome(f"{op.title} failed: {exc}", is_error=True)

    budget = settings.result_budget
    if op.is_async:
        try:
            outcome = await _await_operation(op, kinsta, call, response.data, parsed.wait)  # 6
        except KinstaError as exc:  # e.g. the key lost its rights meanwhile: the operation itself was started
            result = unfollowed(op.title, response.data, exc)  # 7
            backend.audit.outcome(call_id, tool.name, "unknown", message=str(exc))  # 8
        else:
            result = outcome_result(op.title, outcome, op, budget)  # 7
            backend.audit.outcome(call_id, tool.name, outcome.state, operation_id=outcome.operation_id)  # 8
    else:
        shaped = shape(op, response.data, full=parsed.full, budget=budget, args=parsed.args)  # 7
        result = Outcome(shaped.text, shaped.structured)
        if audited:
            backend.audit.outcome(call_id, tool.name, "ok", status=response.status)  # 8
    if writes:
        await backend.written(op, parsed.args, profile.name, call)  # 9
    if op.latest_from and parsed.given.get("update_version") == LATEST:  # say what "latest" was
        version = parsed.args["update_version"]
        structured = {**(result.structured or {}), "resolved": {"update_version": version}}
        result = Outcome(f'update_version "latest" is {version}.\n{result.text}', structured, result.is_error)
    return result


async def fill_from_environment(op: Operation, args: dict[str, Any], reader: Reader, profile: Profile) -> str | None:
    """Fill omitted arguments the environment carries (e.g. its CDN cache id); a message when it cannot."""
    wanted = [name for name in op.from_environment if args.get(name) is None]
    if not wanted:
        return None
    found = find_environment(await reader.site_list(profile), str(args.get("env_id")))
    site, env = found if found else ({}, {})
    for name in wanted:
        value = op.environment_value(name, site.get("id"), env)
        if value is None:
            return (
                f"Invalid arguments for {op.name}; nothing was sent:\n- {name}: not given, and environment "
                f"{args.get('env_id')} has none to fill it in (list_environments with full=true shows it)"
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

    async def poll(self, operation_id: str) -> PollAnswer:
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
    KinstaTimeoutError: "Kinsta did not answer in time",
    KinstaConnectionError: "the connection to Kinsta failed",
    InvalidResponseError: "Kinsta's answer was not JSON",
    RateLimitedError: "rate limited",
}


async def _await_operation(op: Operation, kinsta: Kinsta, call: CallContext, body: Any, wait: bool) -> OperationOutcome:
    body = body if isinstance(body, dict) else {}
    operation_id = body.get("operation_id")
    max_wait = kinsta.backend.settings.operation_wait
    if not (operation_id and wait and max_wait > 0):
        state = "running" if operation_id else "accepted"
        # Kinsta may answer a long operation at once, with data and no id to follow: keep what it said.
        rest = {k: v for k, v in body.items() if k not in ("operation_id", "message", "status")}
        return OperationOutcome(operation_id=operation_id, state=state, message=body.get("message"), data=rest or None)

    async def progress(elapsed: float, message: str) -> None:
        await call.progress(elapsed, max_wait, f"{op.title}: {message} ({elapsed:.0f}s)")

    return await wait_for(str(operation_id), kinsta.poll, kinsta.backend.clock, max_wait, progress)


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


async def wait_tool(backend: Backend, parsed: Parsed, profile: Profile, call: CallContext) -> Outcome:
    """wait_for_operation: resume waiting on a long operation by its id."""
    try:  # the same id rule as get_operation's, and the same message for a bad one
        operation_id = str(operation_status().input.model_validate(parsed.args).operation_id)  # type: ignore[attr-defined]
    except ValidationError as exc:
        return Outcome(describe_validation("wait_for_operation", exc), is_error=True)
    kinsta = Kinsta(backend, profile)
    max_wait = backend.settings.operation_wait

    async def progress(elapsed: float, message: str) -> None:
        await call.progress(elapsed, max_wait, f"{operation_id}: {message} ({elapsed:.0f}s)")

    try:
        outcome = await wait_for(operation_id, kinsta.poll, backend.clock, max_wait, progress)
    except KinstaError as exc:  # a refusal (403, 401...) is not "not known yet": say it, stop waiting
        return Outcome(f"Waiting for {operation_id} failed: {exc}", is_error=True)
    return outcome_result(f"Operation {operation_id}", outcome, None, backend.settings.result_budget)
