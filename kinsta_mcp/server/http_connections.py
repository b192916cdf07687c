"""Connection limits for the HTTP transport: how many sockets, and how long one may take to ask.

uvicorn closes a keep-alive connection left idle between requests (`timeout_keep_alive`) and
bounds the size of a request head (`h11_max_incomplete_event_size`), but it keeps a connection
that never completes a request (no bytes at all, or headers a byte at a time) open forever, and
accepts connections until the process runs out of file descriptors. This guard wraps uvicorn's
HTTP/1.1 protocol so that:

- at most `max_connections` are open at once, set below the file-descriptor limit
  (`connection_limit`); a connection beyond that closes the oldest one with no request in
  progress (one that never completed a request first), or, when every one is busy, is closed
  itself at once;
- a connection must deliver a whole request (head and body) within `request_timeout` seconds of
  connecting, or of the first byte of a later request; otherwise it is closed. Between requests,
  uvicorn's keep-alive timeout closes it.

The ASGI side reports a request's progress (`request_started`, `body_done`, `request_finished`),
keyed by the connection's two addresses, which uvicorn puts in the scope as `client` and `server`
(proxy headers are off, so `client` is the socket's peer).
"""

from __future__ import annotations

import asyncio
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# File descriptors kept for everything but inbound connections: Kinsta connections (httpx's pool
# holds up to 100), the audit file, the config, logs.
_FD_RESERVE = 160
_MIN_CONNECTIONS = 16
MAX_CONNECTIONS = 1024  # each may hold uvicorn's read buffer (64 KiB) and a request head (16 KiB)
REQUEST_TIMEOUT = 15.0

ConnectionKey = tuple[str, int, str, int]  # client host and port, server host and port


def open_file_descriptors() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux: assume a small process
        return 32


def connection_limit(soft_limit: int | None = None, in_use: int | None = None) -> int:
    """How many inbound connections to allow: what the file-descriptor limit leaves after those in use
    and a reserve for outbound connections and files, between 16 and 1024."""
    if soft_limit is None:
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft_limit == resource.RLIM_INFINITY or soft_limit < 0:
        soft_limit = MAX_CONNECTIONS * 2
    in_use = open_file_descriptors() if in_use is None else in_use
    return max(_MIN_CONNECTIONS, min(MAX_CONNECTIONS, soft_limit - in_use - _FD_RESERVE))


def _addresses(info: Any) -> tuple[str, int] | None:
    if isinstance(info, (tuple, list)) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


def scope_key(scope: dict[str, Any] | Any) -> ConnectionKey | None:
    client, server = _addresses(scope.get("client")), _addresses(scope.get("server"))
    if client is None or server is None:
        return None
    return (*client, *server)


@dataclass(eq=False)
class _Connection:
    transport: asyncio.BaseTransport
    deadline: asyncio.TimerHandle | None = None
    reading: int = 0  # requests whose head arrived and whose body is still coming
    busy: int = 0  # requests read whole, their response not finished (a keep-alive connection's
    # next request can start before the previous one's app call has returned)
    answered: int = 0  # requests finished: a connection that has had none is the first to go


@dataclass(eq=False)
class Request:
    """One request's progress on its connection (None: a connection the guard does not know)."""

    key: ConnectionKey | None
    connection: _Connection | None
    body_read: bool = False


class ConnectionGuard:
    """The open connections, their count limit and their deadlines (one per server, one event loop)."""

    def __init__(self, max_connections: int, request_timeout: float = REQUEST_TIMEOUT) -> None:
        if max_connections < 1 or request_timeout <= 0:
            raise ValueError("max_connections and request_timeout must be positive")
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self._open: dict[ConnectionKey, _Connection] = {}  # oldest first
        self.refused = 0  # closed on arrival: every open connection was busy
        self.evicted = 0  # idle or slow connections closed to make room
        self.timed_out = 0  # closed for not delivering a request in time

    @property
    def open_count(self) -> int:
        return len(self._open)

    def protocol_factory(self, inner: Callable[..., asyncio.Protocol]) -> Callable[..., asyncio.Protocol]:
        """What to give uvicorn as `http=`: builds uvicorn's protocol (`inner`) wrapped by this guard."""

        def build(**kwargs: Any) -> asyncio.Protocol:
            return _GuardedProtocol(self, inner(**kwargs))

        return build

    def admit(self, transport: asyncio.BaseTransport) -> ConnectionKey | None:
        peer = _addresses(transport.get_extra_info("peername"))
        local = _addresses(transport.get_extra_info("sockname"))
        if peer is None or local is None:
            return None
        if len(self._open) >= self.max_connections and not self._evict_one():
            self.refused += 1
            return None
        key = (*peer, *local)
        connection = _Connection(transport)
        self._open[key] = connection
        self._arm(key, connection)
        return key

    def _evict_one(self) -> bool:
        """Close the oldest idle connection that never completed a request (a flood's), else the oldest
        idle one (a client's kept-alive connection: it will open another)."""
        idle = [(key, c) for key, c in self._open.items() if not c.busy and not c.reading]
        if not idle:
            return False
        key, connection = next(((k, c) for k, c in idle if not c.answered), idle[0])
        self._close(key, connection)
        self.evicted += 1
        return True

    def _arm(self, key: ConnectionKey, connection: _Connection) -> None:
        self._disarm(connection)
        loop = asyncio.get_running_loop()
        connection.deadline = loop.call_later(self.request_timeout, self._deadline_passed, key, connection)

    @staticmethod
    def _disarm(connection: _Connection) -> None:
        if connection.deadline is not None:
            connection.deadline.cancel()
            connection.deadline = None

    def _deadline_passed(self, key: ConnectionKey, connection: _Connection) -> None:
        connection.deadline = None
        if self._open.get(key) is connection and not connection.busy:
            self.timed_out += 1
            self._close(key, connection)

    def _close(self, key: ConnectionKey, connection: _Connection) -> None:
        self._disarm(connection)
        self._open.pop(key, None)
        connection.transport.close()

    def bytes_arrived(self, key: ConnectionKey) -> None:
        """The first bytes of a request on a kept-alive connection start its deadline."""
        connection = self._open.get(key)
        if connection is not None and connection.deadline is None and not connection.reading and not connection.busy:
            self._arm(key, connection)

    def release(self, key: ConnectionKey, transport: asyncio.BaseTransport) -> None:
        connection = self._open.get(key)
        if connection is not None and connection.transport is transport:
            self._disarm(connection)
            del self._open[key]

    # The ASGI side: a request's progress on its connection.

    def request_started(self, key: ConnectionKey | None) -> Request:
        connection = self._open.get(key) if key is not None else None
        if key is not None and connection is not None:
            connection.reading += 1
            if connection.deadline is None:  # the deadline runs until the body is in
                self._arm(key, connection)
        return Request(key, connection)

    def body_done(self, request: Request) -> None:
        connection = request.connection
        if connection is None or request.body_read:
            return
        request.body_read = True
        connection.reading -= 1
        connection.busy += 1
        if not connection.reading:
            self._disarm(connection)

    def request_finished(self, request: Request) -> None:
        connection = request.connection
        if connection is None or request.key is None:
            return
        connection.answered += 1
        if request.body_read:
            connection.busy -= 1
        else:
            connection.reading -= 1
        if not connection.reading:
            self._disarm(connection)  # idle now: uvicorn's keep-alive timeout takes over


class _GuardedProtocol(asyncio.Protocol):
    """uvicorn's protocol behind the guard: admitted connections go through untouched."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._key: ConnectionKey | None = None
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._key = self._guard.admit(transport)
        if self._key is None:
            transport.close()  # over the limit: uvicorn never sees it
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._key is not None:
            self._guard.bytes_arrived(self._key)
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._key is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._key is not None and self._transport is not None:
            self._guard.release(self._key, self._transport)
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._key is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._key is not None:
            self._inner.resume_writing()
