"""The one adapter between kinsta-mcp and the MCP SDK (mcp 2.3).

Everything the rest of the server needs from the SDK passes through here:
- `KinstaServer`, an `MCPServer` whose public `list_tools`/`call_tool`, resource and prompt
  methods are answered from our compiled definitions instead of the SDK's registries
  (MCPServer's request handlers call these methods; `test_sdk_adapter.py` proves it for the
  installed version and fails, naming it, if that changes);
- `request_scope`, the ONE place a request's caller is resolved (`scope.RequestScope`: principal,
  bound profile, connection, client, tool view), once per request, for tool calls, resource
  listing and reading, completions and prompts alike;
- `McpCall`, one call's MCP side as the pipeline's `CallContext`: its scope, whether the client
  can show a confirmation form, the 2026-07-28 answer rounds, progress, and resource-change
  notices for 2025-11-25 sessions;
- MCP Apps views through the SDK's Apps extension (`views_extension`): the `ui://` HTML
  resources and the advertised capability; tools/list stamps `_meta.ui.resourceUri` and
  resources/list adds the views only for a client that negotiated the extension
  (`client_shows_views`, told by a middleware that remembers the request being answered).

SDK internals touched, only here: `ServerSession._connection` (a stable identity for a
non-HTTP connection, to bind approvals to it).
"""

from __future__ import annotations

import contextlib
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from mcp.server.apps import APP_MIME_TYPE, Apps, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    GetPromptResult,
    InputRequiredResult,
    Prompt,
    Resource,
    ResourceTemplate,
    TextContent,
    Tool,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from kinsta_mcp.server.auth import bound_profile_name, current_token, principal_name
from kinsta_mcp.server.guard import Ask, HumanAnswer, answer_from
from kinsta_mcp.server.pipeline import Outcome
from kinsta_mcp.server.scope import RequestScope, ScopeError
from kinsta_mcp.views import URI_PREFIX, View

if TYPE_CHECKING:
    from kinsta_mcp.server.app import App

SDK_VERSION_TESTED = "2.3"
CONFIRM_KEY = "confirm"

_connection_keys: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _connection_key(ctx: Context[Any, Any]) -> str:
    """Which connection a call came on. 2026-07-28 has no connection state (each request stands alone):
    there an approval is bound to the principal and the sealed request state instead."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return "stateless"
    headers = ctx.headers or {}
    session_id = headers.get("mcp-session-id")
    if session_id:
        return f"http:{session_id}"
    connection = getattr(ctx.session, "_connection", None)  # the one SDK internal, see the module doc
    if connection is None:
        return "stateless"
    with contextlib.suppress(TypeError):
        return _connection_keys.setdefault(connection, uuid.uuid4().hex)
    return f"conn:{id(connection)}"


def request_scope(app: App, ctx: Context[Any, Any] | None) -> RequestScope:
    """Who this request is for, resolved once at the edge: the token's principal and bound profile
    (auth.py; an authorization layer's role would narrow `tools` here), the connection, the client.
    Handlers without a request context (listings, completions) get the connection "unknown"."""
    client_name: str | None = None
    if ctx is not None and ctx.request_context is not None:
        params = getattr(ctx.session, "client_params", None)
        client_name = getattr(getattr(params, "client_info", None), "name", None)
    token = current_token()  # an OAuth token carries its role: profiles, tools, identity (auth.py)
    return RequestScope.of(
        app.settings,
        principal=principal_name(),
        bound_profile=bound_profile_name(),
        connection=_connection_key(ctx) if ctx is not None and ctx.request_context is not None else "unknown",
        client_name=client_name,
        tools=token.tools if token is not None else None,
        profiles=token.profiles if token is not None else None,
        identity=token.identity() if token is not None else None,
    )


class McpCall:
    """One call's MCP side, for the pipeline (`pipeline.CallContext`)."""

    def __init__(self, ctx: Context[Any, Any], app: App, scope: RequestScope) -> None:
        self._ctx = ctx
        self._app = app
        self.scope = scope

    @property
    def can_elicit(self) -> bool:
        caps = self._ctx.client_capabilities
        elicitation = caps.elicitation if caps is not None else None
        # A bare `elicitation: {}` (before modes existed) means form support; url-only does not.
        return elicitation is not None and (elicitation.form is not None or elicitation.url is None)

    @property
    def asks_in_rounds(self) -> bool:
        return self._ctx.protocol_version in MODERN_PROTOCOL_VERSIONS

    async def elicit(self, message: str, schema: dict[str, Any]) -> HumanAnswer:
        result = await self._ctx.session.elicit_form(message, schema, related_request_id=self._ctx.request_id)
        content = result.content if isinstance(result.content, Mapping) else None
        return answer_from(result.action, content)

    def round_answer(self) -> tuple[str | None, HumanAnswer | None]:
        responses = self._ctx.input_responses or {}
        response = responses.get(CONFIRM_KEY)
        if not isinstance(response, ElicitResult):
            return self._ctx.request_state, None
        content = response.content if isinstance(response.content, Mapping) else None
        return self._ctx.request_state, answer_from(response.action, content)

    async def progress(self, done: float, total: float | None, message: str) -> None:
        if self._ctx.request_context is None:
            return
        try:
            await self._ctx.report_progress(done, total, message)
        except Exception:  # a client gone away must not fail the work
            return

    async def resources_changed(self, uris: list[str]) -> None:
        if self.asks_in_rounds:
            return  # 2026-07-28 clients listen on the subscription bus instead
        session = self._ctx.session
        try:
            seen = self._app.resources.read_by(self.scope.connection)
            for uri in uris:
                if uri in seen:
                    await session.send_resource_updated(uri)
            await session.send_resource_list_changed()
        except Exception:  # a client gone away must not fail the write that was done
            return


# -- MCP Apps views -------------------------------------------------------------------------

_request: ContextVar[ServerRequestContext[Any, Any] | None] = ContextVar("kinsta_mcp_request", default=None)


async def remember_request(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Middleware: the request being answered, for MCPServer's public methods that get no context
    (`list_tools`, `list_resources`) to ask whether this client shows views."""
    token = _request.set(ctx)
    try:
        return await call_next(ctx)
    finally:
        _request.reset(token)


def client_shows_views() -> bool:
    """The client answered now negotiated MCP Apps (the extension, with its HTML MIME type)."""
    ctx = _request.get()
    return ctx is not None and client_supports_apps(ctx)


def views_extension(views: Iterable[View]) -> Apps:
    """The SDK's MCP Apps extension serving `views` (HTML read from the package on first read)."""
    apps = Apps()
    for view in views:
        apps.add_resource(
            FunctionResource(
                uri=view.uri,
                name=f"view_{view.name}",
                title=view.title,
                description=view.description,
                mime_type=APP_MIME_TYPE,
                # No `csp`: the host's most restrictive default applies; a view requests nothing outside.
                meta={"ui": {"prefersBorder": True}},
                fn=view.html,
            )
        )
    return apps


def to_call_result(answer: Outcome | Ask) -> CallToolResult | InputRequiredResult:
    if isinstance(answer, Ask):
        request = ElicitRequest(params=ElicitRequestFormParams(message=answer.message, requested_schema=answer.schema))
        return InputRequiredResult(input_requests={CONFIRM_KEY: request}, request_state=answer.state)
    return CallToolResult(
        content=[TextContent(type="text", text=answer.text)],
        structured_content=answer.structured,
        is_error=answer.is_error,
    )


class KinstaServer(MCPServer[Any]):
    """MCPServer answering tools, resources and prompts from kinsta-mcp's own definitions.

    The App (compiled tools, resources, prompts) is made on first use, after `initialize` is
    answered: clients give up on slow handshakes, and compiling the catalog is most of start-up.
    """

    make_app: Callable[[], App]
    _app: App | None = None

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = self.make_app()
        return self._app

    def close_jobs(self) -> None:
        """Stop the jobs still running (the server is stopping)."""
        if self._app is not None and self._app.backend.jobs is not None:
            self._app.backend.jobs.close()

    def scope_of(self, ctx: Context[Any, Any] | None = None) -> RequestScope:
        try:
            return request_scope(self.app, ctx)
        except ScopeError as exc:  # a token bound to a profile that is not configured (any more)
            raise MCPError(code=INVALID_PARAMS, message=str(exc)) from None

    async def complete(self, ref: Any, argument: Any, context: Any) -> Any:
        """completion/complete, registered through the SDK's public decorator in `build_server`."""
        scope = self.scope_of()
        return await self.app.completer.complete(ref, argument, context, scope, self.app.prompts.names_for(scope.tools))

    async def list_tools(self) -> list[Tool]:
        return self.app.listed_tools(self.scope_of(), views=client_shows_views())

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if context is None:
            context = Context(mcp_server=self)
        scope = self.scope_of(context)
        tool = self.app.tool(name, scope)
        if tool is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        if isinstance(tool, str):  # hidden: refused by name, with the reason
            return to_call_result(Outcome(f"{name} is not available: {tool}. Nothing was sent.", is_error=True))
        return to_call_result(await self.app.call(tool, arguments, McpCall(context, self.app, scope)))

    async def list_resources(self) -> list[Resource]:
        listed = [Resource.model_validate(entry) for entry in await self.app.resources.listing(self.scope_of())]
        if client_shows_views():  # the views' ui:// resources, served by the Apps extension
            listed += await super().list_resources()
        return listed

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        return [ResourceTemplate.model_validate(entry) for entry in self.app.resources.templates(self.scope_of())]

    async def read_resource(
        self, uri: Any, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        uri = str(uri)
        if uri.startswith(URI_PREFIX):  # a view: served by the Apps extension's resources
            return await super().read_resource(uri, context)
        if context is None:
            context = Context(mcp_server=self)
        scope = self.scope_of(context)
        self.app.resources.note_read(scope.connection, uri)
        try:
            text, mime_type = await self.app.read_resource(uri, McpCall(context, self.app, scope))
        except LookupError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except ValueError as exc:
            raise ResourceError(str(exc)) from None
        return [ReadResourceContents(content=text, mime_type=mime_type)]

    async def list_prompts(self) -> list[Prompt]:
        return self.app.prompts.listed(self.scope_of().tools)

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult:
        scope = self.scope_of(context)
        try:
            return await self.app.prompts.render(name, arguments or {}, scope.tools)
        except LookupError as exc:  # unknown prompt, missing or unknown argument: the caller's mistake
            raise MCPError(code=INVALID_PARAMS, message=str(exc)) from None
