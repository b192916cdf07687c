"""HTTP sessions counted per principal, in front of the SDK's session manager.

The SDK caps sessions in total (so one client's flood of `initialize` locks every other client
out) and ends a session after `session_idle_timeout` seconds with no request in flight. This
middleware caps them per principal (a bearer token's label; "local" without tokens):

- a request that would open a session, from a principal that already has `max_per_principal`,
  first ends one of that principal's sessions by handing the SDK a DELETE for it with the
  principal's own credentials: the SDK closes its streams, and a later request on it is answered
  404, as the spec says for an ended session (the client initializes again). The one ended is the
  least recently used, preferring a session with no request in flight, then one that only holds
  a GET stream open (a client that reconnected without closing leaves those behind), then any. A
  client is thus never locked out by its own forgotten sessions, and a flood only ever ends the
  flooder's own sessions.
- a principal may have at most `max_requests` requests in flight at once (an open GET stream
  counts); more get 503. Its session openings (the costly requests a flood is made of) are served
  `OPENINGS_AT_ONCE` at a time, the rest wait their turn, so a flood of them leaves the event loop
  to the others.
- its view of a session follows the SDK's: a session is forgotten when the SDK answers 404 for
  it, when its client deletes it, or once idle for the timeout plus a margin, so it never counts
  fewer sessions than the SDK holds.

The SDK's own total is set to max_per_principal x principals, so that cap is never reached first.

It also names the caller for the rate limiter's fair share (`current_principal`,
`current_session`): the SDK runs a request's handlers in that request's context.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinsta_mcp.api.ratelimit import current_principal, current_session

SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
# Our idle clock starts when a response has been sent, a moment after the SDK's: the margin keeps
# this count at or above the SDK's.
IDLE_MARGIN = 5.0
REQUESTS_PER_SESSION = 4  # in-flight requests allowed per principal, per session it may open
OPENINGS_AT_ONCE = 2  # session openings served at once per principal

PrincipalResolver = Callable[[Headers], "str | None"]


@dataclass(eq=False)
class _Session:
    principal: str
    fairness_key: str  # the session's name for the rate limiter (not its id: that is a credential)
    last_active: float
    in_flight: int = 0
    streams: int = 0  # GET streams among the requests in flight

    def eviction_order(self) -> tuple[bool, bool, float]:
        """Sorts first the session whose ending costs its client least: idle, then holding only
        streams open, then serving a call; within each, the least recently used."""
        return (self.in_flight > 0, self.in_flight > self.streams, self.last_active)


def has_body(headers: Headers) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body (b"" if the client went away), or None when it is over `limit` bytes."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then waits on the connection as before."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def opens_session(headers: Headers) -> bool:
    """Whether the SDK would open a stateful session for this request: no session id, and a
    2025-era protocol version or none (2026-07-28 requests carry their version and keep no session)."""
    if SESSION_HEADER in headers:
        return False
    version = headers.get(VERSION_HEADER)
    return version is None or version in HANDSHAKE_PROTOCOL_VERSIONS


async def refuse(scope: Scope, receive: Receive, send: Send, message: str, retry_after: int) -> None:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": message}}
    await JSONResponse(body, status_code=503, headers={"Retry-After": str(retry_after)})(scope, receive, send)


def _response_header(message: Message, name: bytes) -> str | None:
    for key, value in message.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class SessionGuard:
    """ASGI middleware for the /mcp endpoint (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        resolve_principal: PrincipalResolver,
        *,
        max_per_principal: int,
        idle_timeout: float,
        max_body: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self._resolve = resolve_principal
        self.max_per_principal = max_per_principal
        self.max_requests = max_per_principal * REQUESTS_PER_SESSION
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._opening: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()
        self._fairness_keys = itertools.count(1)
        self._opening_turns: dict[str, anyio.CapacityLimiter] = {}
        self.replaced = 0  # idle sessions ended to make room for a new one of the same principal
        self.refused = 0  # requests answered 503

    def open_sessions(self, principal: str) -> int:
        self._expire(self._clock())
        return sum(1 for s in self._sessions.values() if s.principal == principal)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(scope, receive, send, lambda: None)

    async def serve(self, scope: Scope, receive: Receive, send: Send, body_read: Callable[[], None]) -> None:
        """Serve one request; `body_read` is called once its body is in (the connection's deadline ends)."""
        headers = Headers(scope=scope)
        principal = self._resolve(headers) if scope["type"] == "http" else None
        if principal is None:  # no valid token: the SDK answers 401 unread, and nothing is kept for it
            await self.app(scope, receive, send)
            return
        if self._requests[principal] >= self.max_requests:
            self.refused += 1
            await refuse(
                scope, receive, send, f"Too many requests in progress for this client ({self.max_requests}).", 1
            )
            return
        self._requests[principal] += 1
        principal_token = current_principal.set(principal)
        try:
            if has_body(headers):
                # Read it all now, under the connection's deadline: a request that then waits for its
                # turn (a session opening) must not be taken for a slow client.
                body = await read_body(receive, self.max_body)
                if body is None:
                    await JSONResponse({"error": "Request body too large"}, status_code=413)(scope, receive, send)
                    return
                receive = replay(body, receive)
            body_read()
            session_id = headers.get(SESSION_HEADER)
            if session_id is None and opens_session(headers):
                turns = self._opening_turns.setdefault(
                    principal, anyio.CapacityLimiter(min(OPENINGS_AT_ONCE, self.max_per_principal))
                )
                async with turns:
                    await self._open(principal, headers, scope, receive, send)
            else:
                await self._use(principal, session_id, scope, receive, send)
        finally:
            current_principal.reset(principal_token)
            self._requests[principal] -= 1
            if self._requests[principal] <= 0:
                del self._requests[principal]

    def _expire(self, now: float) -> None:
        limit = self.idle_timeout + IDLE_MARGIN
        for session_id in [k for k, s in self._sessions.items() if not s.in_flight and now - s.last_active > limit]:
            del self._sessions[session_id]

    async def _make_room(self, principal: str, headers: Headers, scope: Scope) -> bool:
        self._expire(self._clock())
        mine = [k for k, s in self._sessions.items() if s.principal == principal]
        if len(mine) + self._opening[principal] <= self.max_per_principal:  # the openings include this one
            return True
        if not mine:  # only openings still under way (more at once than the cap): nothing to end yet
            return False
        victim_id = min(mine, key=lambda k: self._sessions[k].eviction_order())
        victim = self._sessions.pop(victim_id)  # before any await: no other request picks it too
        if await self._end(victim_id, headers, scope):
            self.replaced += 1
            return True
        self._sessions[victim_id] = victim
        return False

    async def _end(self, session_id: str, headers: Headers, scope: Scope) -> bool:
        """Ask the SDK to end a session, as its own client would (DELETE, same credentials)."""
        forwarded = [(b"mcp-session-id", session_id.encode("latin-1"))]
        for name in (b"host", b"authorization"):
            value = headers.get(name.decode())
            if value is not None:
                forwarded.append((name, value.encode("latin-1")))
        request: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "DELETE",
            "scheme": scope.get("scheme", "http"),
            "path": scope["path"],
            "raw_path": scope["path"].encode(),
            "root_path": scope.get("root_path", ""),
            "query_string": b"",
            "headers": forwarded,
            "client": scope.get("client"),
            "server": scope.get("server"),
        }
        delivered = False
        status: list[int] = []

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await self.app(request, receive, send)
        return bool(status) and (200 <= status[0] < 300 or status[0] == 404)  # ended, or already gone

    async def _open(self, principal: str, headers: Headers, scope: Scope, receive: Receive, send: Send) -> None:
        self._opening[principal] += 1  # counted from now on, so concurrent openings cannot overshoot
        counted = True
        registered: _Session | None = None
        fairness_key = f"session-{next(self._fairness_keys)}"
        session_token = current_session.set(fairness_key)
        try:
            if not await self._make_room(principal, headers, scope):
                self.refused += 1
                await refuse(
                    scope,
                    receive,
                    send,
                    f"Too many sessions being opened at once for this client (at most {self.max_per_principal}): "
                    "retry in a moment.",
                    1,
                )
                return

            async def watch(message: Message) -> None:
                nonlocal counted, registered
                if message["type"] == "http.response.start" and counted:
                    session_id = _response_header(message, SESSION_HEADER.encode())
                    if message["status"] < 400 and session_id:
                        registered = _Session(principal, fairness_key, self._clock(), in_flight=1)
                        self._sessions[session_id] = registered
                    self._opening[principal] -= 1
                    counted = False
                await send(message)

            await self.app(scope, receive, watch)
        finally:
            current_session.reset(session_token)
            if counted:
                self._opening[principal] -= 1
            if self._opening.get(principal, 0) <= 0:  # another opening may have dropped it already
                self._opening.pop(principal, None)
            if registered is not None:
                registered.in_flight -= 1
                registered.last_active = self._clock()

    async def _use(self, principal: str, session_id: str | None, scope: Scope, receive: Receive, send: Send) -> None:
        session = self._sessions.get(session_id) if session_id is not None else None
        if session is not None and session.principal != principal:
            session = None  # the SDK refuses another principal's session: nothing to count
        stream = scope["method"] == "GET"
        if session is not None:
            session.in_flight += 1
            session.streams += stream
        # The SDK runs a request's handlers in that request's context: name the session for the limiter.
        session_token = current_session.set(session.fairness_key if session is not None else "")
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            current_session.reset(session_token)
            if session is not None and session_id is not None:
                session.in_flight -= 1
                session.streams -= stream
                session.last_active = self._clock()
                ended = scope["method"] == "DELETE" and bool(status) and 200 <= status[0] < 300
                if (ended or status[:1] == [404]) and self._sessions.get(session_id) is session:
                    del self._sessions[session_id]
