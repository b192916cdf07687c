"""Everyday requests on the demo, through a real MCP client (issue 21): the demo's data agrees with itself
(WP-CLI's users and the login link, who did what), and results carry no noise (no nulls, no polling
internals) but one line on how to get more, in both channels."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio


def nulls(value: Any, at: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in ([f"{at}.{k}"] if v is None else nulls(v, f"{at}.{k}"))]
    if isinstance(value, list):
        return [p for v in value for p in nulls(v, f"{at}[]")]
    return []


@pytest.mark.parametrize("mode", MODES)
async def test_wp_cli_administrators_are_the_emails_the_login_link_takes(mode: str) -> None:
    """`wp user list` shows the same users the login-link check knows: each administrator's email gets a
    link, a non-administrator's does not."""
    callback, _ = answering()
    env = "Acme Shop/live"
    async with world() as w, client(w.server, mode, callback) as c:
        listed = await c.call_tool("run_wp_cli", {"env_id": env, "wp_command": "wp user list"})
        output = (listed.structured_content or {})["data"]["output"]
        rows = [line.split("\t") for line in output.splitlines()[1:]]
        admins = [row[3] for row in rows if row[4] == "administrator"]
        others = [row[3] for row in rows if row[4] != "administrator"]
        checked = {
            email: (await c.call_tool("check_wp_admin_user", {"env_id": env, "email": email})).structured_content
            for email in admins + others
        }
        link = await c.call_tool("get_wp_admin_login_link", {"env_id": env, "email": admins[-1]})
        refused = await c.call_tool("get_wp_admin_login_link", {"env_id": env, "email": others[0]})
    assert "alex.morgan@demo-agency.example" in admins and len(admins) == 2 and others == ["editor@acme-shop.com"]
    assert all(checked[e]["has_wp_admin_user"] is True for e in admins)  # type: ignore[index]
    assert all(checked[e]["has_wp_admin_user"] is False for e in others)  # type: ignore[index]
    assert not link.is_error and "wp-login.php" in text_of(link)
    assert refused.is_error


@pytest.mark.parametrize("mode", MODES)
async def test_the_demo_error_logs_point_at_a_different_plugin_per_site(mode: str) -> None:
    """Diagnosis from one call: the repeated fatal error shown once with its count, and the plugin it comes
    from named first, in both channels; each seeded site fails in a different plugin."""
    culprits: dict[str, str] = {}
    async with world() as w, client(w.server, mode) as c:
        for env in (ids.ACME_LIVE_ENV_ID, ids.NORTHWIND_LIVE_ENV_ID, ids.CONTOSO_LIVE_ENV_ID):
            result = await c.call_tool("get_logs", {"env_id": env, "file_name": "error", "lines": 300})
            structured = result.structured_content or {}
            first = structured["_diagnosis"]["sources"][0]
            assert first["kind"] == "plugin" and first["worst"] == "fatal"
            culprits[env] = first["name"]
            text = text_of(result)
            assert re.search(rf"\| plugin \| {first['name']} \| \d+ \| fatal \|", text), text[-800:]
            fatal = [ln for ln in structured["environment"]["container_info"]["logs"].splitlines() if "Fatal" in ln]
            assert len(fatal) == 1 and re.search(r"\[repeated \d+ times from \S+ to \S+\]", text)
    assert set(culprits.values()) == {"woocommerce-gateway-stripe", "jetpack", "redis-cache"}


@pytest.mark.parametrize("mode", MODES)
async def test_the_activity_log_says_who_did_what_before_anything_changes(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        result = await c.call_tool("list_activity_logs", {})
    items = (result.structured_content or {})["company"]["activity_logs"]["items"]
    who = {i["initiated_by"]["full_name"] for i in items if "initiated_by" in i}
    assert who == {"Alex Morgan", "Sam Lee", "Priya Shah"}
    assert any("api_key_info" in i for i in items)
    text = text_of(result)
    assert "Priya Shah" in text and "company_developer" in text and "CI deploy key" in text


@pytest.mark.parametrize("mode", MODES)
async def test_results_carry_no_nulls_and_no_polling_internals(mode: str) -> None:
    callback, _ = answering()
    async with world() as w, client(w.server, mode, callback) as c:
        reads = [
            await c.call_tool("list_activity_logs", {}),
            await c.call_tool("get_site", {"site_id": ids.ACME_SITE_ID}),
            await c.call_tool("list_environments", {"site_id": ids.ACME_SITE_ID}),
        ]
        backup = await c.call_tool("create_backup", {"env_id": ids.ACME_STAGING_ENV_ID, "tag": "before-update"})
    for result in [*reads, backup]:
        assert not result.is_error, text_of(result)
        assert nulls(result.structured_content) == [], text_of(result)
        assert ": null" not in text_of(result) and "None" not in text_of(result)
    outcome = backup.structured_content or {}
    assert outcome["state"] == "succeeded" and not {"polls", "basis"} & set(outcome)
    assert not re.search(r"\b(polls|basis|waited_seconds)\b", text_of(backup))


@pytest.mark.parametrize("mode", MODES)
async def test_a_brief_list_says_in_one_line_how_to_get_more(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        brief = await c.call_tool("list_activity_logs", {})
        full = await c.call_tool("list_activity_logs", {"full": True})
    assert (brief.structured_content or {})["_more"] == "full=true gives every field of each item"
    assert [line for line in text_of(brief).splitlines() if line.startswith("More:")] == [
        "More: full=true gives every field of each item."
    ]
    assert "_more" not in (full.structured_content or {}) and "More:" not in text_of(full)
    assert "ip_address" in json.dumps(full.structured_content) and "ip_address" not in text_of(brief)


# -- reports a model can state without guessing ----------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_the_traffic_report_states_its_period_today_and_company_totals_in_both_channels(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        month = await c.call_tool("get_traffic_report", {})
        last = await c.call_tool("get_traffic_report", {"metric": "bandwidth", "period": "last_month", "top": 2})
        custom = await c.call_tool("get_traffic_report", {"from_date": "2026-01-10", "to_date": "2026-01-12"})
        per_site = {
            env: await c.call_tool(
                "get_analytics", {"metric": "visits", "env_id": env, "from_date": "2026-01-10", "to_date": "2026-01-12"}
            )
            for env in (ids.ACME_LIVE_ENV_ID, ids.NORTHWIND_LIVE_ENV_ID, ids.CONTOSO_LIVE_ENV_ID)
        }
    today = "2026-01-15"  # the simulator's clock, which the server's 'today' follows in tests
    m = month.structured_content or {}
    assert m["today"] == today and m["period"] == {"name": "this_month", "from": "2026-01-01", "to": today, "days": 15}
    assert "2026-01-01 to 2026-01-15" in text_of(month) and f"today is {today}" in text_of(month)
    assert m["sites_counted"] == 3 and isinstance(m["total"], int) and m["unit"] == "visits"
    assert m["total"] == sum(row["value"] for row in m["top"])  # every site counted, numbers as numbers
    assert [row["value"] for row in m["top"]] == sorted((row["value"] for row in m["top"]), reverse=True)
    assert f"{m['total']:,}" in text_of(month)
    b = last.structured_content or {}
    assert b["period"] == {"name": "last_month", "from": "2025-12-01", "to": "2025-12-31", "days": 31}
    assert b["unit"] == "bytes" and len(b["top"]) == 2 and "top=3" in b["_more"] and "GB" in text_of(last)
    assert "More: top=3" in text_of(last)
    # a custom period: the total is what the sites' own analytics say for the same dates
    k = custom.structured_content or {}
    assert k["period"] == {"name": "custom", "from": "2026-01-10", "to": "2026-01-12", "days": 3}
    site_totals = [
        (r.structured_content or {})["analytics"]["analytics_response"]["data"][0]["total"] for r in per_site.values()
    ]
    assert k["total"] == sum(site_totals)
    requests = [r for r in w.requests() if r.path.endswith("/analytics/visits")]
    assert all(("from", "2026-01-10") in r.query and ("to", "2026-01-12") in r.query for r in requests[-3:])


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"from_date": "2026-01-10"}, "from_date and to_date go together"),
        ({"period": "last_week"}, "period"),
        ({"from_date": "2026-01-12", "to_date": "2026-01-10"}, "is after to_date"),
        ({"period": "last_month", "from_date": "2026-01-01", "to_date": "2026-01-02"}, "not both"),
        ({"top": 0}, "top"),
    ],
)
async def test_the_traffic_report_refuses_bad_arguments_before_reading_anything(
    arguments: dict[str, Any], says: str
) -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("get_traffic_report", arguments)
    assert result.is_error and says in text_of(result), text_of(result)
    assert w.requests() == []


@pytest.mark.parametrize("mode", MODES)
async def test_analytics_numbers_are_numbers_with_their_unit_and_dates(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        result = await c.call_tool("get_analytics", {"metric": "bandwidth", "env_id": ids.ACME_LIVE_ENV_ID})
    structured = result.structured_content or {}
    response = structured["analytics"]["analytics_response"]
    values = [p["value"] for p in response["data"][0]["dataset"]]
    assert values and all(isinstance(v, int) for v in values) and response["unit"] == "bytes"
    assert structured["_period"]["from"] <= structured["_period"]["to"] == "2026-01-15"
    assert "unit: bytes" in text_of(result) and "Today is 2026-01-15." in text_of(result)


async def test_the_tool_list_says_what_temporary_sftp_access_gets() -> None:
    """Temporary access for a freelancer: an additional account gets files only (no SSH) and never expires;
    password_expiration (hours_24 for a day) is the primary user's password, not the account's."""
    async with world() as w, client(w.server, "auto") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    add = tools["add_sftp_account"].description or ""
    assert "file access only" in add and "SSH is the primary user's" in add and "no expiry" in add
    setting = tools["set_sftp"]
    assert "password_expiration (the primary user's password, e.g. hours_24)" in (setting.description or "")
    expiration = setting.input_schema["properties"]["exp_interval"]
    assert "hours_24" in expiration["enum"]
