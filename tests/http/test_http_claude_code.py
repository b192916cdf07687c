"""The remote-connector steps of docs/deployment.md, run by a real client: Claude Code (the CLI from npm,
as .ci/run installs it) adds kinsta-mcp by URL, finds it needs a sign-in, signs a member in with OAuth on a
real authorization server (oidc-provider: discovery from our protected-resource metadata, dynamic
registration, authorization code with PKCE, the token exchange for our /mcp resource), and connects.

`claude mcp login` needs a terminal: it runs here in a pseudo-terminal with `--no-browser`, prints the
authorization URL, and takes the redirect back pasted in, as on a headless machine. The browser's part
(the issuer's login form; consent is automatic) is the stand-in of oauth_world.py. The token Claude Code
stored is then used as Claude Code uses it: it reaches the tools as that member, and the audit names them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import pty
import re
import select
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest
from harness import text_of
from http_world import Served, served, two_company_settings
from oauth_world import AuthorizationServer, Browser, authorization_server

from kinsta_mcp.demo import DEMO_COMPANY_ID
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.http import loopback_socket

CLAUDE = shutil.which("claude")
MEMBER = "dana@agency.example"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.skipif(
        CLAUDE is None, reason="needs the Claude Code CLI on PATH: npm install -g @anthropic-ai/claude-code"
    ),
]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def issuer() -> Iterator[AuthorizationServer]:
    with authorization_server() as running:
        yield running


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
async def s(issuer: AuthorizationServer, audit_path: Path) -> AsyncIterator[Served]:
    sock = loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    settings = two_company_settings(oauth_issuer=issuer.issuer, oauth_audience=url, audit_log=str(audit_path))
    async with served(settings, sock=sock, audit=AuditLog(audit_path)) as running:
        yield running


def _env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "dumb",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def claude(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CLAUDE is not None
    return subprocess.run([CLAUDE, *args], env=_env(home), capture_output=True, text=True, timeout=120, check=False)


def status_line(listed: subprocess.CompletedProcess[str]) -> str:
    return next((line for line in listed.stdout.splitlines() if line.startswith("kinsta:")), listed.stdout)


class Terminal:
    """A command in a pseudo-terminal: what it printed (escape codes removed), and a way to type a line."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, follower = pty.openpty()
        self.process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env)
        os.close(follower)
        self.screen = ""

    def read_until(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        end = time.monotonic() + timeout
        while (found := re.search(pattern, self.screen)) is None:
            if time.monotonic() > end:
                raise AssertionError(f"no {pattern!r} within {timeout} s; the terminal shows:\n{self.screen}")
            self._read(0.2)
        return found

    def type_line(self, text: str) -> None:
        os.write(self.master, (text + "\r").encode())

    def finish(self, timeout: float = 60) -> int:
        end = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < end:
            self._read(0.2)
        self._read(0.2)
        if self.process.poll() is None:
            self.process.kill()
        os.close(self.master)
        return self.process.wait()

    def _read(self, seconds: float) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):  # OSError: the command ended and closed the terminal
                self.screen += ANSI.sub("", os.read(self.master, 65536).decode(errors="replace"))


def sign_in_with_claude_code(home: Path, issuer: str, subject: str) -> tuple[int, str, Browser]:
    """`claude mcp login kinsta --no-browser`: open its authorization URL in the stand-in browser, sign in as
    `subject`, paste the redirect back. Returns the exit status, the terminal's text and the browser."""
    assert CLAUDE is not None
    terminal = Terminal([CLAUDE, "mcp", "login", "kinsta", "--no-browser"], _env(home))
    try:
        authorization_url = terminal.read_until(re.escape(issuer) + r"/auth\?\S+").group(0)
        terminal.read_until(r"paste the redirect URL")
        redirect_uri = parse_qs(urlsplit(authorization_url).query)["redirect_uri"][0]
        browser = Browser(subject, redirect_uri=redirect_uri)
        asyncio.run(browser.redirect_handler(authorization_url))
        assert browser.landed is not None
        terminal.type_line(browser.landed)
    finally:
        status = terminal.finish()
    return status, terminal.screen, browser


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_claude_code_adds_the_server_signs_a_member_in_with_oauth_and_connects(
    s: Served, issuer: AuthorizationServer, audit_path: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    since = len(s.sim.requests)

    # docs/deployment.md: `claude mcp add --transport http kinsta https://…/mcp`, then sign in.
    added = await anyio.to_thread.run_sync(
        claude, home, "mcp", "add", "--transport", "http", "kinsta", s.url, "-s", "user"
    )
    assert added.returncode == 0, added.stderr + added.stdout
    before = await anyio.to_thread.run_sync(claude, home, "mcp", "list")
    assert "Needs authentication" in status_line(before), before.stdout  # our 401 + resource metadata, understood

    status, screen, browser = await anyio.to_thread.run_sync(sign_in_with_claude_code, home, issuer.issuer, MEMBER)
    assert status == 0 and 'Authenticated with "kinsta"' in screen, screen
    assert any(url.startswith(f"{issuer.issuer}/interaction/") for url in browser.visited)  # the issuer's login form

    after = await anyio.to_thread.run_sync(claude, home, "mcp", "list")
    assert "Connected" in status_line(after), after.stdout

    # What Claude Code holds: a client it registered itself, and a JWT access token for this server only.
    stored = json.loads((home / ".claude" / ".credentials.json").read_text(encoding="utf-8"))["mcpOAuth"]
    (entry,) = [e for e in stored.values() if e.get("serverUrl") == s.url]
    token = claims(entry["accessToken"])
    assert entry["clientId"] and token["iss"] == issuer.issuer and token["sub"] == MEMBER
    assert token["aud"] == s.url and "kinsta" in token["scope"].split()
    assert s.sim.requests[since:] == []  # signing in and connecting read nothing from Kinsta

    # Its token is the member's at the tools: a read and a write are sent as them, and the audit names them.
    env_id = next(
        e.id for e in s.sim.state.environments.values() if s.sim.state.sites[e.site_id].company_id == DEMO_COMPANY_ID
    )
    async with s.client("auto", token=entry["accessToken"]) as client:
        read = await client.call_tool("list_sites", {})
        write = await client.call_tool("clear_cache", {"env_id": env_id, "cache": "site"})
    assert not read.is_error and not write.is_error, text_of(read) + text_of(write)
    assert [(r.method, r.path) for r in s.sim.requests[since:]][:1] == [("GET", "/sites")]
    records = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]
    assert any(r.get("principal") == f"oauth:{MEMBER}" and r.get("oauth_client") == entry["clientId"] for r in records)
