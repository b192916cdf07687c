"""Secrets stay out of the model's context, the logs and the audit trail.

- The Kinsta API key never leaves the process: every tool, every listed resource and the
  error paths run against the simulator, and all results, logs, stderr and the audit file
  are scanned for it.
- SFTP passwords and phpMyAdmin links appear only in the results of their guarded tools,
  after the human confirmed; a password the user passes in never comes back.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import LinkedClock, World, answering, call_of, client, settings_for, text_of
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from server.test_end_to_end import arguments_for

from kinsta_mcp.catalog import BY_NAME, OPERATIONS
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.config import Profile
from kinsta_mcp.logs import setup_logging
from kinsta_mcp.redaction import REDACTED, redact
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.compiled import WAIT_TOOL_NAME
from kinsta_mcp.simulator import DEMO_COMPANY_ID, Fault, KeyInfo, SimClock, Simulator
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

MODE = "legacy"
LIVE = ids.ACME_LIVE_ENV_ID
# Distinctive keys: any occurrence in captured output is a leak, never a coincidence.
KEY = "kmcp-CANARY-key-9f41c2d7e8b3a605"
WRONG_KEY = "kmcp-WRONG-key-31d8e6f09a7c4b52"
PMA_SECRET_MARK = "app-key="  # the secret part of a phpMyAdmin login link


@asynccontextmanager
async def keyed_world(
    audit: Path | None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] = lambda t: t,
    **overrides: Any,
) -> AsyncIterator[World]:
    """Like harness.world, with the canary key (profile "main") and a wrong one (profile "wrong")."""
    clock = SimClock()
    sim = Simulator(api_keys={KEY: KeyInfo(DEMO_COMPANY_ID, role="owner")}, clock=clock, rate_limits=False)
    linked = LinkedClock(clock)
    profiles = {
        "main": Profile(name="main", api_key=SecretStr(KEY), company_id=DEMO_COMPANY_ID),
        "wrong": Profile(name="wrong", api_key=SecretStr(WRONG_KEY), company_id=DEMO_COMPANY_ID),
    }
    settings = settings_for(audit, api_base_url=sim.base_url, profiles=profiles, default_profile="main", **overrides)
    clients = make_clients(settings, clock=linked, transport=wrap(sim.transport()))
    try:
        yield World(sim, linked, settings, build_server(settings, clients, clock=linked, audit=AuditLog(audit)), audit)
    finally:
        for kinsta in clients.values():
            await kinsta.aclose()


def dump(result: Any) -> str:
    """Everything a client receives from a call: text and structured content."""
    return text_of(result) + "\n" + json.dumps(result.structured_content, default=str)


def in_order(op: Any) -> int:
    """Reads first, irreversible last: a deleted site must not starve the tools run after it."""
    return {Effect.READ: 0, Effect.WRITE: 1, Effect.IRREVERSIBLE: 2}[op.effect]


def sim_secrets(sim: Simulator) -> set[str]:
    """Every SFTP password the simulator holds."""
    found = set()
    for env in sim.state.environments.values():
        if env.sftp_password:
            found.add(env.sftp_password)
        found.update(a.password for a in env.additional_sftp_accounts if a.password)
    return found


@pytest.fixture
def log_stream() -> Any:
    """The production stderr handler (kinsta_mcp.logs.setup_logging) on a captured stream, at DEBUG."""
    stream = io.StringIO()
    setup_logging("debug", secrets=[KEY, WRONG_KEY], stream=stream)
    yield stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "kinsta-mcp-stderr"]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


# -- the API key ------------------------------------------------------------------------------

ERROR_FAULTS = [
    Fault(kind="status", status=401, times=None),
    Fault(kind="status", status=403, times=None),
    Fault(kind="status", status=404, times=None),
    Fault(kind="status", status=500, times=None),
    Fault(kind="status", status=503, times=None),
    Fault(kind="timeout", times=None),
    Fault(kind="drop", times=None),
    Fault(kind="malformed", times=None),
    Fault(kind="rate_limit", times=None),
]


async def test_the_api_key_never_leaves_the_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], log_stream: io.StringIO
) -> None:
    caplog.set_level(logging.DEBUG)
    audit = tmp_path / "audit.jsonl"
    outputs: dict[str, list[str]] = {}
    errors: list[str] = []
    passwords: set[str] = set()
    callback, prompts = answering("accept")
    async with keyed_world(audit) as w, client(w.server, MODE, callback) as c:
        started = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
        waited = await c.call_tool(WAIT_TOOL_NAME, {"operation_id": started.structured_content["operation_id"]})
        outputs.setdefault(WAIT_TOOL_NAME, []).append(dump(waited))
        assert not waited.is_error

        # Every listed resource (and the tools that read them), read.
        listed = (await c.list_resources()).resources
        for resource in listed:
            try:
                read = await c.read_resource(str(resource.uri))
                outputs.setdefault("resources", []).append(read.model_dump_json())
            except Exception as exc:  # a failing read is an error path too: its text is scanned
                outputs.setdefault("resources", []).append(str(exc))
        templates = (await c.list_resource_templates()).resource_templates
        outputs.setdefault("resources", []).append(json.dumps([t.model_dump(mode="json") for t in templates]))

        # Error paths: a wrong key (Kinsta's own 401), then injected failures on a read and a write.
        wrong = await c.call_tool("list_sites", {"company": "wrong"})
        assert wrong.is_error and "did not accept the API key" in text_of(wrong)
        outputs["wrong key"] = [dump(wrong)]
        missing = await c.call_tool("get_site", {"site_id": "no-such-site"})
        assert missing.is_error
        outputs["not found"] = [dump(missing)]
        for fault in ERROR_FAULTS:
            for method, path, tool, args in (
                ("GET", "/sites", "list_sites", {}),
                ("POST", "/sites/tools/clear-cache", "clear_cache", {"cache": "site", "env_id": LIVE}),
                ("GET", "/operations/{operation_id}", "clear_cache", {"cache": "site", "env_id": LIVE}),
            ):
                w.sim.faults.clear()
                w.sim.faults.add(Fault(method=method, path=path, kind=fault.kind, status=fault.status, times=None))
                result = await c.call_tool(tool, args)
                outputs.setdefault("faults", []).append(dump(result))
        w.sim.faults.clear()
        assert not (await c.call_tool("list_sites", {})).is_error

        # Every tool, with valid arguments (last: the irreversible ones delete what the others use).
        for op in sorted(OPERATIONS, key=in_order):
            args = arguments_for(op)
            if op.name == "get_operation":
                started = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
                args["operation_id"] = started.structured_content["operation_id"]
            result = await c.call_tool(*call_of(op, args))
            outputs.setdefault(op.name, []).append(dump(result))
            passwords |= sim_secrets(w.sim)  # tools change and delete them: keep every one ever held
            if result.is_error:
                errors.append(op.name)

    # The run was real: every read and most writes succeeded (some find what they need already deleted by
    # another in this one world), requests were logged, the audit trail was written.
    reads = {op.name for op in OPERATIONS if op.effect is Effect.READ}
    assert not reads & set(errors)
    assert len(errors) < len(OPERATIONS) // 5, errors
    assert len(listed) > 5
    assert any("request GET /sites" in r.getMessage() for r in caplog.records)
    captured = capfd.readouterr()
    haystacks = {
        "results": "\n".join(text for texts in outputs.values() for text in texts),
        "elicitation prompts": "\n".join(prompts),
        "log records": "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records),
        "log handler": log_stream.getvalue(),
        "stdout": captured.out,
        "stderr": captured.err,
        "audit": audit.read_text(),
    }
    assert haystacks["audit"].count("\n") > 20
    for where, text in haystacks.items():
        for secret in (KEY, WRONG_KEY):
            assert secret not in text, f"the API key leaked into the {where}"
            assert secret[len(secret) // 2 :] not in text, f"part of the API key leaked into the {where}"

    # SFTP passwords and phpMyAdmin links came back only from their guarded tools.
    assert passwords
    for name, texts in outputs.items():
        joined = "\n".join(texts)
        if name != "get_sftp_password":
            assert not {p for p in passwords if p in joined}, f"{name} returned an SFTP password"
        if name != "get_phpmyadmin_link":
            assert PMA_SECRET_MARK not in joined, f"{name} returned a phpMyAdmin login link"
    assert any(p in outputs["get_sftp_password"][0] for p in passwords)
    assert PMA_SECRET_MARK in outputs["get_phpmyadmin_link"][0]


# -- secrets revealed only through the guard -----------------------------------------------------

REVEALING = [
    ("get_sftp_password", "GET", "/ssh/password"),
    ("get_phpmyadmin_link", "POST", "/pma-login-token"),
]


@pytest.mark.parametrize(("tool", "method", "suffix"), REVEALING)
async def test_a_secret_is_shown_only_after_the_human_confirmed(tool: str, method: str, suffix: str) -> None:
    def asked(w: World) -> list[Any]:
        return [r for r in w.sim.requests if r.method == method and r.path.endswith(suffix)]

    declined, _ = answering("decline")
    # The opt-in token mode: the one where a preview reaches the model, so the one to check for leaks.
    async with keyed_world(None, confirmation="elicit-or-model-token") as w:
        async with client(w.server, MODE, declined) as c:
            refused = await c.call_tool(tool, {"env_id": LIVE})
            assert refused.is_error and "Nothing was sent" in text_of(refused)
        async with client(w.server, MODE) as c:  # cannot elicit: a preview and a token, nothing sent
            previewed = await c.call_tool(tool, {"env_id": LIVE})
            assert previewed.is_error and "confirmation_token" in text_of(previewed)
            assert asked(w) == []
            for result in (refused, previewed):
                assert PMA_SECRET_MARK not in dump(result)
                assert not {p for p in sim_secrets(w.sim) if p in dump(result)}
            token = dump(previewed).split('confirmation_token="', 1)[1].split('"', 1)[0]
            revealed = await c.call_tool(tool, {"env_id": LIVE, "confirmation_token": token})
            assert not revealed.is_error, text_of(revealed)
            assert len(asked(w)) == 1
            shown = dump(revealed)
            assert PMA_SECRET_MARK in shown or {p for p in sim_secrets(w.sim) if p in shown}


async def test_a_secret_in_an_unexpected_field_of_another_result_is_redacted() -> None:
    """Kinsta could add a password to some answer one day: only the guarded tools may show one."""
    canary = "CANARY-sftp-secret-5e7a1b9c"

    class AddsPasswords(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            if request.method != "GET" or "/operations/" in request.url.path or response.status_code != 200:
                return response
            body = response.json()
            if isinstance(body, dict):
                body["sftp_password"] = canary
                body["nested"] = [{"admin_password": canary, "is_password_auth_enabled": True}]
            return httpx.Response(200, json=body, headers={"content-type": "application/json"})

    async with keyed_world(None, wrap=AddsPasswords) as w, client(w.server, MODE) as c:
        for name, args in (
            ("get_sftp_config", {"site_id": ids.ACME_SITE_ID, "env_id": LIVE}),
            ("list_sftp_accounts", {"env_id": LIVE}),
            ("list_sites", {"full": True}),
        ):
            tool, args = call_of(BY_NAME[name], args)
            result = await c.call_tool(tool, args)
            assert not result.is_error, text_of(result)
            assert canary not in dump(result), tool
            assert result.structured_content["sftp_password"] == REDACTED
            assert result.structured_content["nested"][0]["is_password_auth_enabled"] is True


# -- passwords the user passes in --------------------------------------------------------------------

PASSED = {
    "add_sftp_account": ("password", "Pw1-sftp-CANARY-4a8e2c91"),
    "create_site": ("admin_password", "Pw2-site-CANARY-7b3d9f15"),
    "create_environment": ("admin_password", "Pw3-env-CANARY-2c6e8a04"),
    "reset_site": ("admin_password", "Pw4-reset-CANARY-9d1f5b37"),
}
SHORT = "Short1-CANARY"  # too short for an SFTP account: rejected by the tool's schema
NO_DIGITS = "NoDigitsHere-CANARY-xyzw"  # Kinsta rejects it (400)
LOST = "Pw5-lost-CANARY-6f2a8c40"  # applied, but answered 500
SFTP_ADD = BY_NAME["add_sftp_account"]


async def test_a_password_passed_in_never_comes_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    audit = tmp_path / "audit.jsonl"
    seen: list[str] = []
    accept, prompts = answering("accept")
    decline, declined_prompts = answering("decline")
    # Token mode (opt-in) has every path: the human asked (accept, decline) and a preview for the model.
    async with keyed_world(audit, confirmation="elicit-or-model-token") as w:
        async with client(w.server, MODE, accept) as c:
            for tool, (field, password) in PASSED.items():
                op = next(o for o in OPERATIONS if o.name == tool)
                result = await c.call_tool(*call_of(op, {**arguments_for(op), field: password}))
                assert not result.is_error, text_of(result)
                seen.append(dump(result))
                operation_id = result.structured_content.get("operation_id")
                if operation_id:
                    for follow in ("get_operation", WAIT_TOOL_NAME):
                        seen.append(dump(await c.call_tool(follow, {"operation_id": operation_id})))
            seen.append(
                dump(await c.call_tool(*call_of(BY_NAME["list_sftp_accounts"], {"env_id": LIVE, "full": True})))
            )
            base = {"env_id": LIVE, "username": "probe-user"}
            for password in (SHORT, NO_DIGITS):
                result = await c.call_tool(*call_of(SFTP_ADD, {**base, "password": password}))
                assert result.is_error
                seen.append(dump(result))
            path = "/sites/environments/{env_id}/additional-sftp-accounts"
            w.sim.faults.add(Fault(method="POST", path=path, kind="status", status=500, after=True))
            lost = await c.call_tool(*call_of(SFTP_ADD, {**base, "username": "lost-user", "password": LOST}))
            assert lost.is_error
            seen.append(dump(lost))
        reset = next(o for o in OPERATIONS if o.name == "reset_site")
        reset_args = {**arguments_for(reset), "admin_password": PASSED["reset_site"][1]}
        async with client(w.server, MODE, decline) as c:  # refused: audited as "refused"
            seen.append(dump(await c.call_tool(*call_of(reset, reset_args))))
        async with client(w.server, MODE) as c:  # no elicitation: a preview with a token
            previewed = await c.call_tool(*call_of(reset, reset_args))
            assert "confirmation_token" in text_of(previewed)
            seen.append(dump(previewed))

    accounts = w.sim.state.environments[LIVE].additional_sftp_accounts
    assert PASSED["add_sftp_account"][1] in {a.password for a in accounts}  # it did reach Kinsta
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {r.get("phase") for r in records} >= {"intent", "outcome", "refused"}
    assert any(r.get("arguments", {}).get("admin_password") == REDACTED for r in records if r["phase"] == "refused")
    assert any(r.get("arguments", {}).get("password") == REDACTED for r in records if r["phase"] == "intent")
    haystack = "\n".join(
        [*seen, *prompts, *declined_prompts, audit.read_text(), *(r.getMessage() for r in caplog.records)]
    )
    for password in [p for _, p in PASSED.values()] + [SHORT, NO_DIGITS, LOST]:
        assert password not in haystack, f"a password passed in came back: {password}"


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
SECRET_FIELDS = st.sampled_from(["password", "admin_password", "sftp_password", "confirmation_token", "api_key"])


@given(
    st.recursive(
        JSON_LEAVES,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=12,
    ),
    SECRET_FIELDS,
    st.sampled_from(["outer", "deep"]),
)
def test_audit_redaction_reaches_every_depth(structure: Any, field: str, where: str) -> None:
    secret = "SeCrEt-VaLuE-0451"
    record = {"arguments": {"rules": [structure, {field: secret}]}} if where == "deep" else {field: secret}
    record["other"] = structure
    redacted = json.dumps(redact(record), default=str)
    assert secret not in redacted
    assert REDACTED in redacted
