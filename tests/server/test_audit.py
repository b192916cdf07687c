"""The audit trail: intent before the request, outcome after, secrets redacted, how it was confirmed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import LinkedClock, answering, client, settings_for, text_of, world
from mcp.client import Client

from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.simulator import Simulator, seed
from kinsta_mcp.simulator.clock import SimClock

pytestmark = pytest.mark.anyio
PASSWORD = "Very-Secret-Passw0rd!"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class PeekingTransport(httpx.AsyncBaseTransport):
    """Reads the audit file at the moment a write leaves the process."""

    def __init__(self, inner: httpx.AsyncBaseTransport, audit: Path) -> None:
        self.inner, self.audit, self.seen_at_send = inner, audit, []  # type: list[list[dict[str, Any]]]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            self.seen_at_send.append(records(self.audit) if self.audit.exists() else [])
        return await self.inner.handle_async_request(request)


async def test_intent_is_on_disk_before_the_request_and_outcome_after(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    clock = SimClock()
    sim = Simulator(clock=clock, rate_limits=False)
    peek = PeekingTransport(sim.transport(), audit)
    linked = LinkedClock(clock)
    settings = settings_for(audit, api_base_url=sim.base_url)
    clients = make_clients(settings, clock=linked, transport=peek)
    server = build_server(settings, clients, clock=linked, audit=AuditLog(audit))
    async with Client(server, mode="auto") as c:  # type: ignore[arg-type]
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": seed.ACME_LIVE_ENV_ID})
    assert not result.is_error, text_of(result)
    intent_at_send = peek.seen_at_send[0]
    assert [r["phase"] for r in intent_at_send] == ["intent"]
    assert intent_at_send[0]["tool"] == "clear_cache" and intent_at_send[0]["operation"] == "clear_site_cache"
    final = records(audit)
    assert [r["phase"] for r in final] == ["intent", "outcome"]
    assert final[0]["call"] == final[1]["call"]
    assert final[1]["outcome"] == "succeeded" and final[1]["operation_id"]
    assert final[0]["confirmed_by"] == "not-required" and final[0]["time"]


async def test_reads_are_not_audited_and_secrets_are_redacted(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with world(audit) as w, client(w.server, "auto", answering("accept")[0]) as c:
        await c.call_tool("list_sites", {})
        result = await c.call_tool(
            "add_sftp_account",
            {"env_id": seed.ACME_LIVE_ENV_ID, "username": "contractor", "password": PASSWORD + "x" * 8},
        )
    assert not result.is_error, text_of(result)
    text = audit.read_text(encoding="utf-8")
    assert PASSWORD not in text
    rows = records(audit)
    assert {r["tool"] for r in rows if "tool" in r} == {"add_sftp_account"}
    assert rows[0]["arguments"]["password"] == "[redacted]"
    assert rows[0]["arguments"]["username"] == "contractor"


@pytest.mark.parametrize(
    ("confirmation", "answer", "expected"),
    [("elicit", "accept", "elicitation"), ("off", None, "policy-off")],
)
async def test_how_a_guarded_call_was_confirmed(
    tmp_path: Path, confirmation: str, answer: str | None, expected: str
) -> None:
    audit = tmp_path / "audit.jsonl"
    callback = answering(answer)[0] if answer else None
    async with world(audit, confirmation=confirmation) as w, client(w.server, "legacy", callback) as c:
        result = await c.call_tool("delete_backup", {"backup_id": seed.ACME_MANUAL_BACKUP_ID})
    assert not result.is_error, text_of(result)
    rows = records(audit)
    assert rows[0]["phase"] == "intent" and rows[0]["confirmed_by"] == expected
    assert rows[-1]["phase"] == "outcome" and rows[-1]["outcome"] == "succeeded"


async def test_token_confirmation_and_refusals_are_recorded(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    args = {"backup_id": seed.ACME_MANUAL_BACKUP_ID}
    async with world(audit, confirmation="elicit-or-model-token") as w, client(w.server, "auto") as c:
        preview = await c.call_tool("delete_backup", args)
        token = text_of(preview).split('confirmation_token="')[1].split('"')[0]
        done = await c.call_tool("delete_backup", {**args, "confirmation_token": token})
    assert not done.is_error, text_of(done)
    rows = records(audit)
    assert rows[0]["phase"] == "refused"
    intent = next(r for r in rows if r["phase"] == "intent")
    assert intent["confirmed_by"] == "model-token"
    assert intent["arguments"].get("confirmation_token") in (None, "[redacted]")
    assert token not in audit.read_text(encoding="utf-8")


async def test_a_failed_write_records_kinsta_message(tmp_path: Path) -> None:
    from kinsta_mcp.simulator import Fault

    audit = tmp_path / "audit.jsonl"
    async with world(audit) as w, client(w.server, "auto") as c:
        w.sim.faults.add(Fault(method="POST", path="/sites/tools/clear-cache", kind="status", status=500, times=1))
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": seed.ACME_LIVE_ENV_ID})
    assert result.is_error
    rows = records(audit)
    assert [r["phase"] for r in rows] == ["intent", "outcome"]
    assert rows[1]["outcome"] == "error" and rows[1]["status"] == 500


async def test_records_name_who_asked_and_the_file_is_private(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with world(audit) as w, client(w.server, "legacy") as c:
        await c.call_tool("clear_cache", {"cache": "site", "env_id": seed.ACME_LIVE_ENV_ID})
    intent = records(audit)[0]
    assert intent["principal"] == "local" and intent["profile"] == "demo" and intent["client"]
    assert audit.stat().st_mode & 0o777 == 0o600


async def test_secret_values_are_redacted_wherever_they_appear(tmp_path: Path) -> None:
    """Finding 10: the API key passed as a backup tag, a password inside a WP-CLI command."""
    from kinsta_mcp.simulator import DEMO_API_KEY

    audit = tmp_path / "audit.jsonl"
    command = "wp user create eve eve@example.com --role=administrator --user_pass=Hunter2-hunter2"
    async with world(audit, confirmation="off") as w, client(w.server, "auto") as c:
        await c.call_tool("create_backup", {"env_id": seed.ACME_LIVE_ENV_ID, "tag": f"key {DEMO_API_KEY}"})
        await c.call_tool("run_wp_cli", {"env_id": seed.ACME_LIVE_ENV_ID, "wp_command": command})
    text = audit.read_text(encoding="utf-8")
    assert DEMO_API_KEY not in text and "Hunter2-hunter2" not in text
    assert "--user_pass=[redacted]" in text and "--role=administrator" in text
