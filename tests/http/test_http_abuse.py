"""HTTP under abuse (issue 16, findings 7 and 11), on loopback with bounded counts and times:
sessions capped per principal and ended when idle, a flood of `initialize` that locks out nobody
but the flooder, idle and slow connections closed, the connection count bounded, exact Host
matching, loopback by address, and bearer tokens long enough not to be guessed."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import anyio
import httpx2
import pytest
from harness import text_of
from http_world import ANY_TOKEN, BETA_TOKEN, INITIALIZE, MCP_HEADERS, Served, served, two_company_settings

from kinsta_mcp import cli
from kinsta_mcp.config import ConfigError
from kinsta_mcp.server.auth import check_http_settings, is_loopback
from kinsta_mcp.server.http_connections import ConnectionGuard, connection_limit

pytestmark = pytest.mark.anyio
TOKENS: dict[str, str | None] = {ANY_TOKEN: None, BETA_TOKEN: "beta"}
FLOODER, OTHER = "token-1", "token-2"  # the principals of ANY_TOKEN and BETA_TOKEN
CAP = 3


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def s() -> AsyncIterator[Served]:
    settings = two_company_settings(http_tokens=TOKENS, http_max_sessions_per_principal=CAP)
    async with served(settings, max_connections=64) as running:
        yield running


def auth(token: str) -> dict[str, str]:
    return {**MCP_HEADERS, "Authorization": f"Bearer {token}"}


async def initialize(http: httpx2.AsyncClient, s: Served, token: str) -> httpx2.Response:
    return await http.post(s.url, json=INITIALIZE, headers=auth(token))


# ---------------------------------------------------------------------------- sessions per principal


async def test_a_flood_of_initialize_replaces_only_the_flooders_own_sessions(s: Served) -> None:
    async with httpx2.AsyncClient(timeout=10) as http:
        other = await initialize(http, s, BETA_TOKEN)
        assert other.status_code == 200
        other_session = other.headers["mcp-session-id"]
        statuses: list[int] = []

        async def flood(n: int) -> None:
            for _ in range(n):
                statuses.append((await initialize(http, s, ANY_TOKEN)).status_code)

        async with anyio.create_task_group() as group:  # 60 openings, 6 at a time
            for _ in range(6):
                group.start_soon(flood, 10)
        # More openings at once than its cap: some are refused (503), the rest replace its own idle sessions.
        assert set(statuses) <= {200, 503} and statuses.count(200) >= 20, statuses
        assert s.front.sessions.open_sessions(FLOODER) <= CAP
        assert s.front.sessions.replaced >= statuses.count(200) - CAP
        assert (await initialize(http, s, ANY_TOKEN)).status_code == 200  # one at a time: never refused
        assert s.front.sessions.open_sessions(OTHER) == 1
        # The other principal's session survived the flood, and it can open more.
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        alive = await http.post(s.url, json=ping, headers={**auth(BETA_TOKEN), "mcp-session-id": other_session})
        assert alive.status_code == 200
    async with s.client("legacy", BETA_TOKEN) as c:
        assert not (await c.call_tool("list_sites", {})).is_error


async def open_with_stream(stack: AsyncExitStack, http: httpx2.AsyncClient, s: Served, token: str) -> tuple[str, Any]:
    """A session whose client keeps its GET stream open (as one that reconnects without closing does)."""
    opened = await initialize(http, s, token)
    assert opened.status_code == 200, opened.text
    session = {"mcp-session-id": opened.headers["mcp-session-id"]}
    notified = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    await http.post(s.url, json=notified, headers={**auth(token), **session})
    stream = await stack.enter_async_context(
        http.stream("GET", s.url, headers={**auth(token), **session, "Accept": "text/event-stream"})
    )
    assert stream.status_code == 200
    return session["mcp-session-id"], stream


async def stream_ended(stream: Any) -> bool:
    with anyio.move_on_after(5):  # bounded: the server closes it at once
        try:
            async for _ in stream.aiter_bytes():
                pass
        except httpx2.HTTPError:
            pass
        return True
    return False


async def test_a_principal_at_its_cap_with_every_stream_open_is_served_and_its_oldest_session_ends(s: Served) -> None:
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx2.AsyncClient(timeout=10))
        other_id, _ = await open_with_stream(stack, http, s, BETA_TOKEN)
        mine = [await open_with_stream(stack, http, s, ANY_TOKEN) for _ in range(CAP)]  # none idle
        served_too = await initialize(http, s, ANY_TOKEN)
        assert served_too.status_code == 200, served_too.text  # not locked out
        oldest_id, oldest_stream = mine[0]
        assert await stream_ended(oldest_stream)  # its stream was closed...
        gone = await http.post(s.url, json=ping, headers={**auth(ANY_TOKEN), "mcp-session-id": oldest_id})
        assert gone.status_code == 404  # ...and the spec's answer for an ended session follows
        for session_id, _ in mine[1:]:  # the newer ones live on
            alive = await http.post(s.url, json=ping, headers={**auth(ANY_TOKEN), "mcp-session-id": session_id})
            assert alive.status_code == 200
        assert s.front.sessions.open_sessions(FLOODER) == CAP
        other = await http.post(s.url, json=ping, headers={**auth(BETA_TOKEN), "mcp-session-id": other_id})
        assert other.status_code == 200  # another principal's session is never the one ended


async def test_a_hundred_sessions_opened_in_turn_with_their_streams_open_are_each_served() -> None:
    settings = two_company_settings(http_tokens=TOKENS, http_max_sessions_per_principal=CAP)
    async with served(settings, max_connections=256) as s, AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx2.AsyncClient(timeout=10, limits=httpx2.Limits(max_connections=300))
        )
        streams = []
        for _ in range(100):
            streams.append(await open_with_stream(stack, http, s, ANY_TOKEN))
            assert s.front.sessions.open_sessions(FLOODER) <= CAP
        ended = [await stream_ended(stream) for _, stream in streams[:-CAP]]
        assert all(ended)  # every replaced session's stream was closed: nothing piles up
        assert s.front.sessions.replaced == 100 - CAP
        # The SDK's own total cap is CAP x principals: had the replaced sessions lived on inside the SDK,
        # it would have refused the 7th opening, so 100 served openings show it ended them too.


async def test_an_idle_session_ends() -> None:
    # Below what the configuration accepts (30 s and up), set directly so the test stays short.
    settings = two_company_settings(http_tokens=TOKENS).model_copy(update={"http_session_idle": 0.3})
    async with served(settings) as s, httpx2.AsyncClient(timeout=10) as http:
        opened = await initialize(http, s, ANY_TOKEN)
        assert s.front.sessions.open_sessions(FLOODER) == 1
        await anyio.sleep(0.8)  # bounded: the idle timeout is 0.3 s
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        headers = {**auth(ANY_TOKEN), "mcp-session-id": opened.headers["mcp-session-id"]}
        assert (await http.post(s.url, json=ping, headers=headers)).status_code == 404
        assert s.front.sessions.open_sessions(FLOODER) == 0


# ---------------------------------------------------------------------------- connections


async def test_idle_connections_do_not_lock_others_out() -> None:
    async with served(two_company_settings(), max_connections=8) as s, AsyncExitStack() as stack:
        port = s.settings.port
        idle = [await stack.enter_async_context(await anyio.connect_tcp("127.0.0.1", port)) for _ in range(20)]
        async with httpx2.AsyncClient(timeout=5) as http:
            for _ in range(3):
                assert (await http.get(f"{s.origin}/healthz")).status_code == 200
        assert s.front.connections.open_count <= 8
        closed = 0
        for stream in idle:  # the server closed the oldest idle ones to make room
            with anyio.move_on_after(0.05):
                try:
                    await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError, OSError):
                    closed += 1
        assert closed >= 12


async def test_slow_or_silent_connections_are_closed_by_a_deadline() -> None:
    async with served(two_company_settings()) as s:
        s.front.connections.request_timeout = 0.3
        port = s.settings.port
        async with (
            await anyio.connect_tcp("127.0.0.1", port) as silent,
            await anyio.connect_tcp("127.0.0.1", port) as slow,
        ):
            await slow.send(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())  # never finished
            with anyio.fail_after(3):  # bounded: the deadline is 0.3 s
                for stream in (silent, slow):
                    with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError)):
                        await stream.receive()
        assert s.front.connections.timed_out >= 2
        async with httpx2.AsyncClient(timeout=5) as http:  # a prompt request is unaffected
            assert (await http.get(f"{s.origin}/healthz")).status_code == 200


class FakeTransport:
    def __init__(self, port: int) -> None:
        self.port = port
        self.closed = False

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", self.port) if name == "peername" else ("127.0.0.1", 8000)

    def close(self) -> None:
        self.closed = True


async def test_when_every_connection_is_busy_a_new_one_is_closed_at_once() -> None:
    guard = ConnectionGuard(max_connections=2)
    first, second, third, fourth = (FakeTransport(p) for p in (1001, 1002, 1003, 1004))
    key = guard.admit(first)  # type: ignore[arg-type]
    guard.admit(second)  # type: ignore[arg-type]
    guard.body_done(guard.request_started(key))  # first: a request in progress
    assert guard.admit(third) is not None and second.closed and not first.closed  # the idle one made room
    guard.request_started(("127.0.0.1", 1003, "127.0.0.1", 8000))  # third: reading its request
    assert guard.admit(fourth) is None and guard.refused == 1  # nobody idle: refused
    assert not first.closed and not third.closed


async def test_a_request_that_starts_before_the_previous_one_ends_keeps_its_connection() -> None:
    guard = ConnectionGuard(max_connections=1, request_timeout=0.05)
    first_transport = FakeTransport(1001)
    key = guard.admit(first_transport)  # type: ignore[arg-type]
    first = guard.request_started(key)
    guard.body_done(first)
    second = guard.request_started(key)  # keep-alive: the next request is in before the first app call returns
    guard.body_done(second)
    guard.request_finished(first)
    await anyio.sleep(0.15)  # bounded: three deadlines
    assert not first_transport.closed  # the second request is still being answered: no deadline, no eviction
    assert guard.admit(FakeTransport(1002)) is None  # type: ignore[arg-type]
    guard.request_finished(second)
    assert guard.admit(FakeTransport(1003)) is not None and first_transport.closed  # type: ignore[arg-type]


async def test_a_connection_that_never_completed_a_request_is_evicted_before_a_kept_alive_one() -> None:
    guard = ConnectionGuard(max_connections=2)
    client, silent = FakeTransport(1001), FakeTransport(1002)
    key = guard.admit(client)  # type: ignore[arg-type]
    guard.request_finished(guard.request_started(key))  # the client's connection was used, now idle
    guard.admit(silent)  # type: ignore[arg-type]  # newer, but never sent a request
    assert guard.admit(FakeTransport(1003)) is not None  # type: ignore[arg-type]
    assert silent.closed and not client.closed


def test_the_connection_limit_stays_below_the_file_descriptor_limit() -> None:
    assert connection_limit(soft_limit=1024, in_use=40) == 1024 - 40 - 160
    assert connection_limit(soft_limit=100, in_use=40) == 16  # a floor, for tiny limits
    assert connection_limit(soft_limit=1_000_000, in_use=40) == 1024
    assert connection_limit(soft_limit=-1, in_use=40) == 1024  # unlimited
    assert connection_limit() < __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0]


async def test_request_bodies_are_bounded_and_read_only_for_a_known_principal(s: Served) -> None:
    big = b"{" + b" " * (1024 * 1024) + b"}"  # over 1 MiB: no MCP request is that large
    async with httpx2.AsyncClient(timeout=10) as http:
        assert (await http.post(s.url, content=big, headers=auth(ANY_TOKEN))).status_code == 413
        assert (await http.post(s.url, content=big, headers=MCP_HEADERS)).status_code == 401  # not read: refused
        assert (await http.post(f"{s.origin}/healthz", content=b"x")).status_code == 413


# ---------------------------------------------------------------------------- hardening


@pytest.mark.parametrize(
    "host",
    ["localhost:{port}@evil.com", "localhost:{port}.evil.com", "127.0.0.1:{other}", "127.0.0.1", "LOCALHOST:1"],
)
async def test_the_host_header_must_match_exactly(s: Served, host: str) -> None:
    port = s.settings.port
    value = host.format(port=port, other=port + 1)
    async with httpx2.AsyncClient(timeout=5) as http:
        response = await http.post(s.url, json=INITIALIZE, headers={**auth(ANY_TOKEN), "Host": value})
        assert response.status_code == 421
        assert (await http.get(f"{s.origin}/healthz", headers={"Host": value})).status_code == 421


async def test_a_loopback_host_with_the_right_port_is_accepted(s: Served) -> None:
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    unknown = {**auth(ANY_TOKEN), "mcp-session-id": "no-such-session"}  # past the Host check, the SDK says 404
    async with httpx2.AsyncClient(timeout=5) as http:
        for name in ("localhost", "127.0.0.1", "[::1]"):
            host = {"Host": f"{name}:{s.settings.port}"}
            assert (await http.post(s.url, json=ping, headers={**unknown, **host})).status_code == 404
            assert (await http.get(f"{s.origin}/healthz", headers=host)).status_code == 200
        origin = {**unknown, "Origin": f"http://localhost:{s.settings.port}.evil.com"}
        assert (await http.post(s.url, json=ping, headers=origin)).status_code == 403


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("::ffff:127.0.0.1", True),
        ("127.0.0.1.nip.io", False),
        ("127.example.com", False),
        ("128.0.0.1", False),
        ("0.0.0.0", False),
        ("localhost.evil.com", False),
        ("", False),
    ],
)
def test_loopback_means_an_address_in_127_8_or_ipv6_loopback_or_localhost(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if not host:
        return  # an empty host is refused earlier, by the settings themselves
    settings = two_company_settings(host=host)
    if loopback:
        check_http_settings(settings)
    else:
        with pytest.raises(ConfigError, match="needs bearer tokens"):
            check_http_settings(settings)


@pytest.mark.parametrize("token", ["x", "s3cret-but-only-31-characters-x"])
def test_a_short_token_is_refused_at_start_up(token: str) -> None:
    settings = two_company_settings(http_tokens={ANY_TOKEN: None, token: "beta"})
    with pytest.raises(ConfigError) as refused:
        check_http_settings(settings)
    message = str(refused.value)
    assert f"token 2 (KINSTA_MCP_HTTP_TOKENS or http_tokens) has {len(token)} characters" in message
    assert "at least 32" in message and token not in message.replace("characters", "")
    check_http_settings(two_company_settings(http_tokens={"Zk3v9QyT1mW8pL2nR5sX7cB4dF6gH0jA": None}))  # 32 is enough


def test_the_command_line_refuses_a_short_token_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in os.environ if n.startswith("KINSTA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KINSTA_MCP_HTTP_TOKENS", "tok_short_9f3c")
    try:
        status = cli.main(["--demo", "--transport", "http", "--audit-log", "off"])
    finally:  # the command line logs to this test's captured stderr, which is closed after it
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "kinsta-mcp-stderr"]:
            root.removeHandler(handler)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "at least 32" in err and "tok_short_9f3c" not in err


async def test_many_tokens_each_get_their_own_sessions(s: Served) -> None:
    async with s.client("auto", ANY_TOKEN) as a, s.client("legacy", BETA_TOKEN) as b:
        first, second = await a.call_tool("list_sites", {}), await b.call_tool("list_sites", {})
    assert not first.is_error and not second.is_error, (text_of(first), text_of(second))
