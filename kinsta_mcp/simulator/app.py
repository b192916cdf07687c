"""The simulator as an ASGI app: routing, auth, rate limits, faults, the request log.

Per request: find the route (`routing.py`), apply an injected fault, check the key (401),
the rate limit (429) and the key's role (403), check the request against the catalog
(`wire.py`, 400), then run the route's handler. `transport.py` connects httpx or uvicorn.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx

from kinsta_mcp.demo import DEMO_BASE_URL

from .clock import Clock, RealClock, SimClock
from .faults import Fault, FaultSet, OperationFailure
from .handlers import HANDLERS
from .handling import ApiError, Ctx, KeyInfo, Reply
from .ratelimit import Allowance, RateLimiter
from .routing import Route, RouteTable, build_routes
from .seed import DEMO_API_KEY, DEMO_API_KEY_ID, DEMO_COMPANY_ID, seed
from .seed_extras import seed_extras
from .seed_scale import add_scale_sites
from .state import SimState
from .transport import FAULT_HEADER, IN_PROCESS, SimulatorTransport

logger = logging.getLogger("kinsta_mcp.simulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BASE_PATH = "/v2"
# How long a "timeout" fault keeps a standalone client waiting (in process it raises at once).
STANDALONE_TIMEOUT_SECONDS = 600.0
# Developer keys lack these rights (Kinsta's docs); KeyInfo.forbidden adds more.
DEVELOPER_FORBIDDEN = frozenset({"DELETE /sites/{site_id}", "GET /company/{id}/users", "GET /company/{id}/api-keys"})

_DEFAULT_MESSAGES = {
    400: "Bad request format",
    401: "No or invalid API key provided to the request",
    403: "You do not have permission to perform this action",
    404: "Could not find data or the user does not have permissions to retrieve it",
    429: "Too many requests, please try again later.",
    500: "Error occurred while processing your request",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}

# Every catalog operation with its handler, checked once per process (a missing or orphaned handler fails here).
ROUTES = RouteTable(build_routes(HANDLERS))


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the /v2 prefix, decoded
    raw_path: str  # without the /v2 prefix, still percent-encoded
    query: list[tuple[str, str]]
    body: Any | None
    status: int  # 0 when no answer was given (dropped connection, timeout)
    time: float


def error_body(status: int, message: str | None = None, data: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message or _DEFAULT_MESSAGES.get(status, "Error"), "status": status}
    if data is not None:
        body["data"] = data
    return body


def _error(status: int, message: str | None = None, data: Any = None) -> Reply:
    return Reply(status, error_body(status, message, data))


class Simulator:
    """A stateful, in-memory Kinsta API v2. See the package docstring for the interface."""

    def __init__(
        self,
        api_keys: dict[str, KeyInfo] | None = None,
        seed: bool = True,
        clock: SimClock | Clock | None = None,
        operation_seconds: float = 3.0,
        not_visible_seconds: float = 1.0,
        rate_limits: bool = True,
        extra_sites: int = 0,
    ) -> None:
        self.api_keys: dict[str, KeyInfo] = (
            dict(api_keys)
            if api_keys is not None
            else {DEMO_API_KEY: KeyInfo(DEMO_COMPANY_ID, "owner", name="Demo API key", key_id=DEMO_API_KEY_ID)}
        )
        self.seeded = seed
        self.extra_sites = extra_sites  # agency scale: this many more sites (seed_scale.py)
        self.clock: Any = clock if clock is not None else RealClock()
        self.operation_seconds = operation_seconds
        self.not_visible_seconds = not_visible_seconds
        self.rate_limits = rate_limits
        self.base_url = DEMO_BASE_URL  # "http://kinsta.simulator" + BASE_PATH
        self.routes = ROUTES
        self.faults = FaultSet()
        self.requests: list[RecordedRequest] = []
        self.limiter = RateLimiter()
        self.state = self._fresh_state()

    # -- public helpers -------------------------------------------------------------
    def _fresh_state(self) -> SimState:
        state = SimState(operation_seconds=self.operation_seconds, not_visible_seconds=self.not_visible_seconds)
        if self.seeded:
            seed(state, self.clock.time())
            add_scale_sites(state, self.extra_sites)
            seed_extras(state, self.clock.time())
        return state

    def reset(self) -> None:
        """Back to the seeded state: data, operations, faults, the request log and rate windows."""
        self.state = self._fresh_state()
        self.faults.clear()
        self.requests.clear()
        self.limiter.reset()

    def fail_operations(self, match: str = "*", times: int | None = 1) -> OperationFailure:
        """The next `times` async operations whose template (or "METHOD /template") matches the glob fail."""
        failure = OperationFailure(match, times)
        self.state.operation_failures.append(failure)
        return failure

    def settle(self) -> None:
        """Apply operations whose time has come (requests do this themselves; for tests reading `state`)."""
        self.state.apply_due(self.clock.time())

    def transport(self) -> httpx.AsyncBaseTransport:
        return SimulatorTransport(self)

    @property
    def app(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        return self.__call__

    def key_id(self, key: str, info: KeyInfo) -> str:
        return info.key_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"kinsta-simulator-key:{key}"))

    # -- ASGI -----------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        reply, fault = await self._handle(scope, b"".join(chunks))
        if fault == "drop" and not IN_PROCESS.get():
            # Promise more than is sent, then stop: the client sees the connection break mid-answer.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"message":', "more_body": True})
            return
        if fault in ("drop", "timeout"):
            await self._send(send, Reply(599, {}, {FAULT_HEADER: fault}))
            return
        if fault == "malformed":
            await self._send(send, reply, raw=b'{"message": "Successfully finished req')
            return
        await self._send(send, reply)

    @staticmethod
    async def _send(send: Send, reply: Reply, raw: bytes | None = None) -> None:
        payload = raw if raw is not None else json.dumps(reply.body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _handle(self, scope: Scope, raw_body: bytes) -> tuple[Reply, str | None]:
        method = scope["method"].upper()
        path: str = scope["path"]
        raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1").split("?", 1)[0]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        body: Any = None
        body_error = None
        if raw_body.strip():
            try:
                body = json.loads(raw_body)
            except ValueError:
                body_error = "The request body is not valid JSON"
        api_path = path[len(BASE_PATH) :] if path.startswith(BASE_PATH + "/") else path
        api_raw = raw_path[len(BASE_PATH) :] if raw_path.startswith(BASE_PATH + "/") else raw_path
        record = RecordedRequest(method, api_path, api_raw, query, body, 0, self.clock.time())
        self.requests.append(record)
        reply, fault = await self._process(method, path, api_path, query, body, body_error, scope)
        record.status = 0 if fault in ("drop", "timeout") else (200 if fault == "malformed" else reply.status)
        return reply, fault

    async def _process(
        self,
        method: str,
        path: str,
        api_path: str,
        query: list[tuple[str, str]],
        body: Any,
        body_error: str | None,
        scope: Scope,
    ) -> tuple[Reply, str | None]:
        self.state.apply_due(self.clock.time())
        if not path.startswith(BASE_PATH + "/"):
            return _error(404, "Not found: the API lives under /v2"), None
        found = self.routes.match(method, api_path)
        if not found:
            return _error(404, f"Not found: {method} {api_path}"), None
        route, raw_vars = found

        fault = self.faults.take(method, route.template)
        after_fault: Fault | None = None
        if fault is not None:
            if fault.kind == "status" and fault.after:
                after_fault = fault
            elif fault.kind == "status":
                return _error(fault.status, fault.message), None
            elif fault.kind == "slow":
                await self.clock.sleep(fault.seconds)
                self.state.apply_due(self.clock.time())
            elif fault.kind == "timeout":
                if not IN_PROCESS.get():
                    await anyio.sleep(max(fault.seconds, STANDALONE_TIMEOUT_SECONDS))
                    return _error(504), None
                return _error(504), "timeout"
            elif fault.kind == "drop":
                return _error(502), "drop"
            elif fault.kind == "malformed":
                return Reply(200, {}), "malformed"
            elif fault.kind == "rate_limit":
                refusal = self.limiter.refused(self._bearer(scope) or "-", route.rate, self.clock.time())
                return Reply(429, error_body(429, fault.message), refusal.headers()), None

        key = self._bearer(scope)
        info = self.api_keys.get(key) if key else None
        if key is None or info is None:
            return _error(401), None

        now = self.clock.time()
        allowance: Allowance | None = None
        if self.rate_limits:
            allowance = self.limiter.hit(key, route.rate, now)
            if not allowance.allowed:
                return Reply(429, error_body(429), allowance.headers()), None
        rate_headers = allowance.headers() if allowance else {}

        reply = self._dispatch(route, raw_vars, query, body, body_error, key, info, now)
        if after_fault is not None and reply.status < 400:
            reply = _error(after_fault.status, after_fault.message)
        return Reply(reply.status, reply.body, {**rate_headers, **reply.headers}), None

    def _dispatch(
        self,
        route: Route,
        raw_vars: dict[str, str],
        query: list[tuple[str, str]],
        body: Any,
        body_error: str | None,
        key: str,
        info: KeyInfo,
        now: float,
    ) -> Reply:
        forbidden = info.forbidden | (DEVELOPER_FORBIDDEN if info.role == "developer" else frozenset())
        if route.key in forbidden:
            return _error(403, f"Your role ({info.role}) does not allow {route.key}")
        try:
            if body_error:
                raise ApiError(400, body_error)
            path_values, query_values, body_values = route.wire.check(raw_vars, query, body)
            ctx = Ctx(
                state=self.state,
                route=route,
                key=info,
                key_id=self.key_id(key, info),
                path=path_values,
                query=query_values,
                body=body_values,
                now=now,
            )
            reply = route.fn(ctx)
        except ApiError as exc:
            return _error(exc.status, exc.message, exc.data)
        if route.activity and route.operation is None and reply.status < 400:
            self.state.record_activity(ctx, ctx.site_id, done=True)
        return reply

    @staticmethod
    def _bearer(scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                text = bytes(value).decode("latin-1").strip()
                if text[:7].lower() == "bearer " and text[7:].strip():
                    return text[7:].strip()
        return None
