"""A real OAuth authorization server for the tests: npm `oidc-provider` run by Node 22, configured by
oauth_server.mjs, on a free loopback port; and a browser stand-in that signs a user in on it.

`.ci/run` installs both into a temporary npm prefix and exports KINSTA_TEST_OAUTH_PREFIX (that prefix:
node_modules/oidc-provider and node_modules/.bin/node). Without it these tests skip, naming what to
install; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
import pytest
from mcp.client.auth import AuthorizationCodeResult

PREFIX_ENV = "KINSTA_TEST_OAUTH_PREFIX"
OIDC_PROVIDER_VERSION = "9.13.3"
INSTALL = (
    f"npm install --prefix DIR oidc-provider@{OIDC_PROVIDER_VERSION} node@22 and export {PREFIX_ENV}=DIR "
    "(.ci/run does this)"
)
CONFIG = Path(__file__).with_name("oauth_server.mjs")
SECRET = "a-test-secret-of-the-oauth-server-0123456789"  # the pre-registered clients' (oauth_server.mjs)
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never reached: the browser stand-in stops at it


def oauth_prefix() -> Path:
    """The npm prefix holding oidc-provider and Node 22; skips (fails in CI) when it is not there."""
    prefix = os.environ.get(PREFIX_ENV, "")
    node = Path(prefix) / "node_modules" / ".bin" / "node"
    module = Path(prefix) / "node_modules" / "oidc-provider" / "lib" / "index.js"
    if prefix and node.exists() and module.exists():
        return Path(prefix)
    reason = f"the OAuth tests need a real authorization server: {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{PREFIX_ENV}={prefix!r} holds no oidc-provider and node; {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AuthorizationServer:
    issuer: str
    port: int
    process: subprocess.Popen[bytes]

    def mint(self, client_id: str, resource: str, scope: str = "kinsta") -> str:
        """An access token from the client credentials grant of a pre-registered client."""
        response = httpx2.post(
            f"{self.issuer}/token",
            data={"grant_type": "client_credentials", "scope": scope, "resource": resource},
            auth=(client_id, SECRET),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


@contextmanager
def authorization_server(
    groups: dict[str, list[str]] | None = None, port: int | None = None
) -> Iterator[AuthorizationServer]:
    """oidc-provider on 127.0.0.1 (a free port unless given), stopped when the block ends. A given port (an
    issuer restarted at its address) may be held a moment by another process that took it meanwhile
    (ports freed return to the pool): the start is tried again for a few seconds, then fails saying why."""
    prefix = oauth_prefix()
    chosen = port or free_port()
    config = {
        "module": str(prefix / "node_modules" / "oidc-provider" / "lib" / "index.js"),
        "port": chosen,
        "groups": groups or {},
    }
    for attempt in range(40 if port else 1):
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                [str(prefix / "node_modules" / ".bin" / "node"), str(CONFIG), json.dumps(config)],
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            assert process.stdout is not None
            line = process.stdout.readline().decode()  # "ready <issuer>", or "" if it died
            if line.startswith("ready "):
                break
            process.wait()
            errors.seek(0)
            why = errors.read().decode(errors="replace")
        if "EADDRINUSE" not in why or attempt == (39 if port else 0):
            raise RuntimeError(f"oidc-provider did not start (exit {process.returncode}): {why[-400:]!r}")
        time.sleep(0.25)
    try:
        yield AuthorizationServer(line.split()[1], chosen, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Browser:
    """What a user's browser does for the SDK's OAuth client: follow the authorization request's
    redirects on the authorization server, sign in on its login form as `subject`, and hand the
    redirect back to the client (consent is automatic there)."""

    def __init__(self, subject: str, redirect_uri: str = REDIRECT_URI) -> None:
        self.subject = subject
        self.redirect_uri = redirect_uri  # where the client listens; the stand-in stops there, like a paste
        self._landed: str | None = None
        self.visited: list[str] = []
        self.consented = False

    async def redirect_handler(self, authorization_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
            response = await http.get(authorization_url)
            for _ in range(20):
                self.visited.append(str(response.url))
                if response.status_code in (302, 303):
                    location = urljoin(str(response.url), response.headers["location"])
                    if location.startswith(self.redirect_uri):
                        self._landed = location
                        return
                    response = await http.get(location)
                elif response.status_code == 200 and 'name="prompt" value="login"' in response.text:
                    response = await http.post(
                        self._form_action(response),
                        data={"prompt": "login", "login": self.subject, "password": "any"},
                    )
                elif response.status_code == 200 and 'name="prompt" value="consent"' in response.text:
                    self.consented = True
                    response = await http.post(self._form_action(response), data={"prompt": "consent"})
                else:
                    raise AssertionError(f"unexpected {response.status_code} at {response.url}: {response.text[:300]}")
        raise AssertionError("the authorization server never redirected back")

    @property
    def landed(self) -> str | None:
        """The redirect back to the client (with the code), once signed in."""
        return self._landed

    @staticmethod
    def _form_action(page: httpx2.Response) -> str:
        return urljoin(str(page.url), page.text.split('action="', 1)[1].split('"', 1)[0])

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self._landed is not None
        query = parse_qs(urlsplit(self._landed).query)
        if "error" in query:
            raise AssertionError(f"authorization refused: {query}")
        return AuthorizationCodeResult(
            code=query["code"][0], state=query["state"][0], iss=query["iss"][0] if "iss" in query else None
        )
