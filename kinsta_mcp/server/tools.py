"""One MCP tool per declared operation, and `dispatch`: the one place every call passes through.

A tool is generated from its declaration: a flat signature built from the input model
(so clients see a flat schema), annotations from the effect, an output schema from the
output model (or `OperationOutcome` for long operations), and for guarded operations a
`Resolve` parameter that asks the human. `dispatch` then enforces, in order: read-only
mode, argument validation, the confirmation guard, the audit trail, the request, the
wait for long operations, and the shaping of the result.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
    ElicitationResult,
    Resolve,
)
from mcp.server.mcpserver.tools.base import Tool
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from kinsta_mcp.api.client import KinstaClient
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
from kinsta_mcp.catalog import BY_NAME, OPERATIONS
from kinsta_mcp.catalog.spec import Effect, Id, Operation, Toolset
from kinsta_mcp.config import ConfigError, Profile, Settings
from kinsta_mcp.redaction import is_secret_name
from kinsta_mcp.server.audit import AuditLog, redact_secret_values
from kinsta_mcp.server.auth import profile_for_call
from kinsta_mcp.server.guard import ConfirmAnswer, Pass, Previewer, TokenStore
from kinsta_mcp.server.schema import compact_schema
from kinsta_mcp.server.summaries import project, summarize_result
from kinsta_mcp.server.waiting import Clock, OperationOutcome, wait_for

__all__ = [
    "WAIT_TOOL_NAME",
    "Backend",
    "Clock",
    "dispatch",
    "make_tool",
    "make_wait_tool",
    "select_operations",
    "wait_tool_visible",
]

log = logging.getLogger("kinsta_mcp.tools")

BY_KEY: dict[str, Operation] = {}
for _op in OPERATIONS:
    BY_KEY.setdefault(_op.key, _op)
OPERATION_STATUS = BY_KEY["GET /operations/{operation_id}"]


WriteListener = Callable[[Operation, Mapping[str, Any], str], Awaitable[None]]
"""Told after a write succeeded: the operation, its arguments, the profile name."""


@dataclass
class Backend:
    """What tool calls need from outside MCP."""

    settings: Settings
    clients: Mapping[str, KinstaClient]  # one per company profile
    clock: Clock
    audit: AuditLog
    tokens: TokenStore
    write_listeners: list[WriteListener] = field(default_factory=list)

    async def written(self, op: Operation, args: Mapping[str, Any], profile: str) -> None:
        for listener in self.write_listeners:
            try:
                await listener(op, args, profile)
            except Exception:  # a cache that fails to refresh must not fail the write
                log.exception("write listener failed after %s", op.name)


def _first_line(result: CallToolResult) -> str:
    first = result.content[0] if result.content else None
    return first.text.split("\n", 1)[0] if isinstance(first, TextContent) else ""


def error_result(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _result(text: str, structured: Any, is_error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured, is_error=is_error
    )


def validation_message(tool: str, exc: ValidationError) -> str:
    """Which argument is wrong and what is allowed, in plain words."""
    lines = [f"Invalid arguments for {tool}; nothing was sent:"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        ctx = err.get("ctx") or {}
        allowed = ""
        if "expected" in ctx:
            allowed = f" (allowed: {ctx['expected']})"
        elif "pattern" in ctx:
            allowed = f" (must match {ctx['pattern']})"
        lines.append(f"- {where}: {err['msg']}{allowed}")
    return "\n".join(lines)


# -- talking to Kinsta ------------------------------------------------------------------


class Session:
    """One call's view of Kinsta: the chosen profile's client and company."""

    def __init__(self, backend: Backend, profile: Profile) -> None:
        self.backend = backend
        self.profile = profile
        self.client = backend.clients[profile.name]

    async def fetch(self, key: str, args: Mapping[str, Any]) -> Any:
        """A read for the guard's preview; None when it fails (the preview says 'not found')."""
        op = BY_KEY.get(key)
        if op is None:
            return None
        try:
            validated = op.input.model_validate({k: v for k, v in args.items() if v is not None})
            response = await self.client.call(op, dict(validated), company_id=self.profile.company_id)
        except (KinstaError, RequestBuildError, ValidationError) as exc:
            log.info("preview lookup %s failed: %s", key, exc)
            return None
        return response.data

    async def poll(self, operation_id: str) -> tuple[int, Any]:
        try:
            response = await self.client.call(
                OPERATION_STATUS,
                {"operation_id": operation_id},
                company_id=self.profile.company_id,
                retry_server_errors=False,  # 500 here means "the operation failed", not "try again"
            )
        except NotFoundError as exc:
            return 404, {"message": exc.kinsta_message}
        except ServerError as exc:
            if exc.status == 500:  # Kinsta's own answer for an operation that failed
                return 500, {"message": exc.kinsta_message or str(exc), "data": exc.data}
            return 202, {"message": _unasked(f"HTTP {exc.status}")}
        except (KinstaTimeoutError, KinstaConnectionError, InvalidResponseError, RateLimitedError) as exc:
            # Asking failed, not the operation: it keeps running, so keep waiting (within the bound).
            return 202, {"message": _unasked(_UNASKED_REASONS[type(exc)])}
        return response.status, response.data


_UNASKED_REASONS: dict[type[KinstaError], str] = {
    KinstaTimeoutError: "no answer in time",
    KinstaConnectionError: "the connection failed",
    InvalidResponseError: "the answer was not JSON",
    RateLimitedError: "rate limited",
}


def _unasked(reason: str) -> str:
    return f"unknown, Kinsta could not be asked ({reason}); the operation may still be running."


# -- the guard's decision -------------------------------------------------------------------


async def confirm(
    op: Operation,
    session: Session,
    answer: Any,
    token: str | None,
    args: Mapping[str, Any],
    bound: Mapping[str, Any],
) -> str | CallToolResult:
    """How the call was confirmed, or the result to return instead of calling Kinsta."""
    policy = session.backend.settings.confirmation
    if policy == "off":
        return "policy-off"
    if not isinstance(answer, AcceptedElicitation):
        action = getattr(answer, "action", "cancel")
        return error_result(f"{op.title}: the human {action}d the confirmation. Nothing was sent to Kinsta.")
    data = answer.data
    if isinstance(data, ConfirmAnswer):
        if data.confirm:
            return "elicitation"
        return error_result(f"{op.title}: the human did not confirm. Nothing was sent to Kinsta.")
    if not isinstance(data, Pass):  # pragma: no cover - the resolver returns nothing else
        return error_result(f"{op.title}: confirmation failed. Nothing was sent to Kinsta.")
    problem = None
    if token:
        problem = session.backend.tokens.redeem(token, op.name, bound)
        if problem is None:
            return "token"
    if policy == "elicit-only":
        return error_result(
            f"{op.title} needs the human's confirmation, but this client cannot show confirmation prompts "
            "(MCP elicitation) and the confirmation policy is elicit-only. Nothing was sent to Kinsta. "
            "Use a client that supports elicitation, or ask the operator to set confirmation to elicit-or-token."
        )
    preview = await Previewer(session.fetch).describe(op, args)
    new_token = session.backend.tokens.issue(op.name, bound)
    why = f"\n(The token given was not accepted: {problem}.)" if problem else ""
    return error_result(
        f"Not done yet: this needs the human's confirmation. Nothing was sent to Kinsta.{why}\n\n{preview}\n\n"
        f"Show this to the user and ask. Only if they agree, call {op.name} again with the same arguments plus "
        f'confirmation_token="{new_token}" (single use, valid 5 minutes, void if any argument changes).'
    )


def can_elicit(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


# -- the one place every call passes through --------------------------------------------------


async def dispatch(
    op: Operation, backend: Backend, ctx: Context, answer: Any, kwargs: dict[str, Any]
) -> CallToolResult:
    settings = backend.settings
    token = kwargs.pop("confirmation_token", None)
    bound = dict(kwargs)  # what a confirmation token is bound to: every argument but the token
    profile_name = kwargs.pop("company", None)
    wait = bool(kwargs.pop("wait", True))
    full = bool(kwargs.pop("full", False))

    if settings.read_only and op.effect is not Effect.READ:
        return error_result(f"{op.name} changes things and the server runs in read-only mode; nothing was sent.")
    try:
        profile = profile_for_call(settings, profile_name)
    except ConfigError as exc:  # an unknown profile, or one the HTTP token forbids
        return error_result(str(exc))
    try:
        validated = op.input.model_validate(kwargs)
    except ValidationError as exc:
        return error_result(validation_message(op.name, exc))
    args = {name: getattr(validated, name) for name in op.input.model_fields}
    session = Session(backend, profile)

    confirmed_by = "not-required"
    if op.guarded:
        verdict = await confirm(op, session, answer, token, args, bound)
        if isinstance(verdict, CallToolResult):
            backend.audit.write(
                {
                    "tool": op.name,
                    "phase": "refused",
                    "profile": profile.name,
                    "arguments": bound,
                    "reason": _first_line(verdict),
                }
            )
            return verdict
        confirmed_by = verdict

    writes = op.effect is not Effect.READ
    audited = writes or op.guarded  # every change, and every revealed secret
    call_id = backend.audit.new_call_id()
    if audited:
        backend.audit.write(
            {
                "call": call_id,
                "phase": "intent",
                "tool": op.name,
                "profile": profile.name,
                "arguments": bound,
                "confirmed_by": confirmed_by,
            }
        )
    try:
        response = await session.client.call(op, args, company_id=profile.company_id)
    except (KinstaError, RequestBuildError) as exc:
        if audited:
            _audit_outcome(backend, call_id, op, "error", status=getattr(exc, "status", None), message=str(exc))
        return error_result(f"{op.title} failed: {exc}")

    if op.is_async:
        result = await _finish_async(op, backend, session, ctx, response.data, wait, call_id)
        if writes:
            await backend.written(op, args, profile.name)
        return result

    data = response.data
    if audited:
        _audit_outcome(backend, call_id, op, "ok", status=response.status)
    if writes:
        await backend.written(op, args, profile.name)
    if not op.reveals_secret:  # a secret reaches the model only through the guard of a revealing tool
        data = redact_secret_values(data)
    if op.brief and not full:
        data = project(data, op.brief)
    if not isinstance(data, dict):
        data = {"result": data}
    return _result(summarize_result(op, data), data)


async def _finish_async(
    op: Operation,
    backend: Backend,
    session: Session,
    ctx: Context,
    body: Any,
    wait: bool,
    call_id: str,
) -> CallToolResult:
    body = body if isinstance(body, dict) else {}
    operation_id = body.get("operation_id")
    max_wait = backend.settings.operation_wait
    if operation_id and wait and max_wait > 0:

        async def progress(elapsed: float, message: str) -> None:
            await ctx.report_progress(elapsed, max_wait, f"{op.title}: {message} ({elapsed:.0f}s)")

        try:
            outcome = await wait_for(str(operation_id), session.poll, backend.clock, max_wait, progress)
        except KinstaError as exc:  # e.g. the key lost its rights meanwhile: the operation itself was started
            _audit_outcome(backend, call_id, op, "unknown", message=str(exc))
            return error_result(
                f"{op.title}: Kinsta started it (operation {operation_id}), but following it failed: {exc} "
                f"Do not start it again; check with wait_for_operation(operation_id={str(operation_id)!r})."
            )
    else:
        outcome = OperationOutcome(
            operation_id=operation_id,
            state="running" if operation_id else "accepted",
            message=body.get("message"),
        )
    _audit_outcome(backend, call_id, op, outcome.state, operation_id=operation_id, message=outcome.message)
    return outcome_result(op.title, outcome)


def _audit_outcome(backend: Backend, call_id: str, op: Operation, outcome: str, **details: Any) -> None:
    """The second half of a call's audit record, matched to its intent by `call`."""
    backend.audit.write({"call": call_id, "phase": "outcome", "tool": op.name, "outcome": outcome, **details})


def outcome_result(title: str, outcome: OperationOutcome) -> CallToolResult:
    msg = f" Kinsta says: {outcome.message}" if outcome.message else ""
    text = {
        "succeeded": f"{title}: done.{msg}",
        "failed": f"{title}: FAILED.{msg}",
        "running": (
            f"{title}: still running after {outcome.waited_seconds:.0f}s.{msg} "
            f"Resume with wait_for_operation(operation_id={outcome.operation_id!r})."
        ),
        "accepted": f"{title}: accepted by Kinsta (no operation id to follow).{msg}",
        "not_found": f"{title}: Kinsta no longer knows operation {outcome.operation_id}.{msg}",
    }[outcome.state]
    structured = redact_secret_values(outcome.model_dump(mode="json"))
    return _result(text, structured, is_error=outcome.state in ("failed", "not_found"))


# -- building the tools -----------------------------------------------------------------------


def annotations_for(op: Operation) -> ToolAnnotations:
    return ToolAnnotations(
        title=op.title,
        read_only_hint=op.effect is Effect.READ,
        destructive_hint=op.effect is Effect.IRREVERSIBLE,
        idempotent_hint=op.effect is Effect.READ or op.idempotent,
        open_world_hint=True,
    )


def _field_parameter(name: str, info: Any) -> inspect.Parameter:
    """A flat keyword parameter carrying the model field's type, constraints and description."""
    extra = {"description": info.description} if info.description else {}
    if info.examples:
        extra["examples"] = info.examples
    annotation = Annotated[(info.annotation, *info.metadata, Field(**extra))]
    default = inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _company_option(settings: Settings) -> list[inspect.Parameter]:
    """With several company profiles, every tool takes the profile's name (never a company id)."""
    if not settings.multi_company:
        return []
    names = tuple(sorted(settings.profiles))
    description = f"Company profile (default {settings.default_profile})"
    return [_option("company", Annotated[Literal[names] | None, Field(description=description)], None)]


def _with_signature(fn: Any, name: str, params: list[inspect.Parameter], output: Any, leading: Any = ()) -> None:
    """Give a generated tool function the flat signature the SDK reads its schemas from."""
    ctx = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    parameters = [ctx, *leading, *params]
    fn.__signature__ = inspect.Signature(parameters, return_annotation=output)
    fn.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": output}
    fn.__name__ = name


def tool_parameters(op: Operation, settings: Settings) -> list[inspect.Parameter]:
    params = [_field_parameter(name, info) for name, info in op.input.model_fields.items()]
    params += _company_option(settings)
    if op.brief:
        params.append(_option("full", bool, False))
    if op.is_async:
        params.append(_option("wait", bool, True))
    if op.guarded and settings.confirmation == "elicit-or-token":
        params.append(_option("confirmation_token", str | None, None))
    return params


def _make_resolver(op: Operation, backend: Backend, names: list[str]) -> Any:
    """Asks the human (via elicitation) before a guarded call, or says why it didn't ask."""

    async def resolver(ctx: Context, **kwargs: Any) -> Any:
        settings = backend.settings
        if settings.confirmation == "off":
            return Pass("policy-off")
        token = kwargs.get("confirmation_token")
        if token:
            bound = {k: v for k, v in kwargs.items() if k != "confirmation_token"}
            if backend.tokens.check(token, op.name, bound) is None:
                return Pass("token")
        if not can_elicit(ctx):
            return Pass("no-elicitation")
        try:
            profile = profile_for_call(settings, kwargs.get("company"))
            args = dict(op.input.model_validate({k: kwargs[k] for k in op.input.model_fields if k in kwargs}))
        except (ValidationError, ConfigError):
            return Pass("no-elicitation")  # dispatch reports the bad arguments; nothing is sent
        preview = await Previewer(Session(backend, profile).fetch).describe(op, args)
        return Elicit(f"{preview}\n\nDo you want to go ahead?", ConfirmAnswer)

    resolver.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
        + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
    )
    resolver.__annotations__ = {"ctx": Context}
    resolver.__qualname__ = f"confirm_{op.name}"
    return resolver


def make_tool(op: Operation, backend: Backend) -> Tool:
    settings = backend.settings
    params = tool_parameters(op, settings)
    names = [p.name for p in params]
    guarded = op.guarded and settings.confirmation != "off"

    async def run(**kwargs: Any) -> Any:
        ctx = kwargs.pop("ctx")
        answer = kwargs.pop("confirmation", None)
        if not guarded:
            answer = AcceptedElicitation[Any].model_construct(data=Pass("policy-off"))
        return await dispatch(op, backend, ctx, answer, kwargs)

    leading = []
    if guarded:
        confirmation_type = Annotated[ElicitationResult[ConfirmAnswer], Resolve(_make_resolver(op, backend, names))]
        leading.append(inspect.Parameter("confirmation", inspect.Parameter.KEYWORD_ONLY, annotation=confirmation_type))
    _with_signature(run, op.name, params, OperationOutcome if op.is_async else op.output, leading)
    tool = Tool.from_function(
        run,
        name=op.name,
        title=op.title,
        description=op.description,
        annotations=annotations_for(op),
        structured_output=True,
        meta={"toolset": op.toolset.value},
    )
    forbid_unknown_arguments(tool)
    return tool


def forbid_unknown_arguments(tool: Tool) -> None:
    """Unknown arguments are an error, not silently dropped: a misspelled `push_db` must not vanish."""
    model = tool.fn_metadata.arg_model
    model.model_config["extra"] = "forbid"
    if any(is_secret_name(name) for name in model.model_fields):
        # The SDK's validation error would quote the rejected value: a password must not come back.
        model.model_config["hide_input_in_errors"] = True
    model.model_rebuild(force=True)
    tool.parameters = compact_schema(tool.parameters)


# -- the one tool that is not a Kinsta operation -------------------------------------------------

WAIT_TOOL_NAME = "wait_for_operation"


def make_wait_tool(backend: Backend) -> Tool:
    """Resume waiting on any long operation by its id (after a call returned 'still running')."""
    settings = backend.settings
    params = [
        _option(
            "operation_id",
            Annotated[Id, Field(description="From a result that was still running")],
            inspect.Parameter.empty,
        ),
        *_company_option(settings),
    ]

    async def run(**kwargs: Any) -> Any:
        ctx: Context = kwargs.pop("ctx")
        try:
            profile = profile_for_call(settings, kwargs.get("company"))
        except ConfigError as exc:  # an unknown profile, or one the HTTP token forbids
            return error_result(str(exc))
        session = Session(backend, profile)
        operation_id = kwargs["operation_id"]

        async def progress(elapsed: float, message: str) -> None:
            await ctx.report_progress(elapsed, settings.operation_wait, f"{operation_id}: {message} ({elapsed:.0f}s)")

        try:
            outcome = await wait_for(operation_id, session.poll, backend.clock, settings.operation_wait, progress)
        except KinstaError as exc:
            return error_result(f"Waiting for {operation_id} failed: {exc}")
        return outcome_result(f"Operation {operation_id}", outcome)

    _with_signature(run, WAIT_TOOL_NAME, params, OperationOutcome)
    tool = Tool.from_function(
        run,
        name=WAIT_TOOL_NAME,
        title="Wait for operation",
        description="Wait for a long Kinsta operation to finish and return its outcome.",
        annotations=ToolAnnotations(
            title="Wait for operation",
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=True,
        ),
        structured_output=True,
        meta={"toolset": Toolset.OPERATIONS.value},
    )
    forbid_unknown_arguments(tool)
    return tool


def wait_tool_visible(settings: Settings, visible: list[str]) -> bool:
    """wait_for_operation is offered when a visible tool starts a long operation (and it is not excluded)."""
    if WAIT_TOOL_NAME in settings.exclude_tools:
        return False
    return any(BY_NAME[name].is_async for name in visible)


class ToolSelection(BaseModel):
    """Which tools a server shows, and why the others are hidden (read-only is a ceiling)."""

    visible: list[str]
    hidden: dict[str, str]


def select_operations(settings: Settings, operations: tuple[Operation, ...] = OPERATIONS) -> ToolSelection:
    visible: list[str] = []
    hidden: dict[str, str] = {}
    wanted = set(settings.toolsets) if settings.toolsets is not None else None
    for op in operations:
        if settings.read_only and op.effect is not Effect.READ:
            hidden[op.name] = "the server runs in read-only mode"
        elif wanted is not None and op.toolset.value not in wanted:
            hidden[op.name] = f"its toolset '{op.toolset.value}' is not enabled (--toolsets)"
        elif op.name in settings.exclude_tools:
            hidden[op.name] = "it is excluded (--exclude-tools)"
        else:
            visible.append(op.name)
    return ToolSelection(visible=visible, hidden=hidden)
