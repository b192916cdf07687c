"""A backup's download link is a secret: hidden from plain reads, resources and read-only mode; shown only after
the human's yes; never in the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
LIVE = ids.ACME_LIVE_ENV_ID
LINK = "https://downloads.kinsta.example/acme-shop/backup-20260111.zip"


@pytest.mark.parametrize("mode", MODES)
async def test_the_plain_listing_and_its_resource_hide_the_link(mode: str) -> None:
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        listed = await c.call_tool("list_backups", {"kind": "downloadable", "env_id": LIVE})
        resource = await c.read_resource(f"kinsta://environments/{LIVE}/downloadable-backups")
    assert not listed.is_error and prompts == []
    everything = text_of(listed) + json.dumps(listed.structured_content) + json.dumps(resource.model_dump(mode="json"))
    assert LINK not in everything and "[redacted]" in json.dumps(listed.structured_content)
    assert "backup-20260111" not in everything  # no part of it


@pytest.mark.parametrize("mode", MODES)
async def test_the_links_are_shown_only_after_the_human_says_yes_and_never_audited(mode: str, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    declining, declined_prompts = answering("decline")
    agreeing, _ = answering("accept")
    async with world(audit=audit) as w:
        async with client(w.server, mode, declining) as c:
            refused = await c.call_tool("list_backups", {"kind": "download_links", "env_id": LIVE})
        async with client(w.server, mode, agreeing) as c:
            shown = await c.call_tool("list_backups", {"kind": "download_links", "env_id": LIVE})
    assert refused.is_error and LINK not in text_of(refused) and len(declined_prompts) == 1
    assert "whoever holds a link can download the whole site" in declined_prompts[0]
    assert not shown.is_error and LINK in text_of(shown) and LINK in json.dumps(shown.structured_content)
    records = audit.read_text()
    assert LINK not in records and '"list_backups"' in records  # the reveal is audited, the link is not


async def test_read_only_mode_offers_no_way_to_a_secret() -> None:
    async with world(read_only=True) as w, client(w.server, "auto") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        kinds = tools["list_backups"].input_schema["properties"]["kind"]["enum"]
        links = await c.call_tool("list_backups", {"kind": "download_links", "env_id": LIVE})
        password = await c.call_tool("get_sftp_password", {"env_id": LIVE})
    assert "download_links" not in kinds and "downloadable" in kinds
    assert "get_sftp_password" not in tools and password.is_error and "read-only" in text_of(password)
    assert links.is_error and LINK not in text_of(links)
    assert w.requests() == [] or all("downloadable" not in r.path for r in w.requests())
