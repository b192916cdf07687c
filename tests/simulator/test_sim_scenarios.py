"""Stateful scenarios: what a change does is visible through the API once its operation finishes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kinsta_mcp.simulator import DEMO_COMPANY_ID, SimClock, Simulator
from kinsta_mcp.simulator import seed as s

pytestmark = pytest.mark.anyio

LIVE, STAGING = s.ACME_LIVE_ENV_ID, s.ACME_STAGING_ENV_ID


async def finish(http: httpx.AsyncClient, clock: SimClock, sim: Simulator, response: httpx.Response) -> dict[str, Any]:
    """Wait (on the fake clock) for the operation a response started; its final answer's body."""
    assert response.status_code in (200, 202), response.text
    clock.advance(sim.operation_seconds)
    outcome = await http.get(f"/operations/{response.json()['operation_id']}")
    assert outcome.status_code == 200, outcome.text
    body: dict[str, Any] = outcome.json()
    return body


async def plugin_versions(http: httpx.AsyncClient, env_id: str) -> dict[str, str]:
    r = await http.get(f"/sites/environments/{env_id}/plugins")
    return {p["name"]: p["version"] for p in r.json()["environment"]["container_info"]["wp_plugins"]["data"]}


NEW_SITE = {
    "company": DEMO_COMPANY_ID,
    "display_name": "Fabrikam Store",
    "region": "europe-west2",
    "install_mode": "new",
    "admin_email": "admin@fabrikam.example",
    "admin_password": "correct-horse-battery-9",
    "admin_user": "fabadmin",
    "site_title": "Fabrikam",
    "wp_language": "en_US",
    "woocommerce": True,
}


async def test_a_created_site_is_404_then_202_then_200_and_then_listed(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    started = await client.post("/sites", json=NEW_SITE)
    assert started.status_code == 202
    op_id = started.json()["operation_id"]
    assert op_id.startswith("sites:add-")

    assert (await client.get(f"/operations/{op_id}")).status_code == 404  # not visible yet
    clock.advance(sim.not_visible_seconds)
    running = await client.get(f"/operations/{op_id}")
    assert running.status_code == 202 and running.json()["status"] == 202
    names = [
        x["display_name"]
        for x in (await client.get("/sites", params={"company": DEMO_COMPANY_ID})).json()["company"]["sites"]
    ]
    assert "Fabrikam Store" not in names  # the effect waits for the operation

    clock.advance(sim.operation_seconds)
    done = await client.get(f"/operations/{op_id}")
    assert done.status_code == 200
    assert done.json()["message"] == "Successfully finished request"
    site_id = done.json()["data"]["idSite"]

    listing = await client.get("/sites", params={"company": DEMO_COMPANY_ID, "include_environments": "true"})
    created = next(x for x in listing.json()["company"]["sites"] if x["id"] == site_id)
    assert created["display_name"] == "Fabrikam Store"
    assert [e["name"] for e in created["environments"]] == ["live"]
    assert "woocommerce" in await plugin_versions(client, created["environments"][0]["id"])


async def test_pushing_staging_files_to_live_changes_live_plugins_but_not_its_database(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    before = await plugin_versions(client, LIVE)
    staging = await plugin_versions(client, STAGING)
    assert before["woocommerce"] != staging["woocommerce"]
    live_db = sim.state.environments[LIVE].db_marker

    push = await client.put(
        f"/sites/{s.ACME_SITE_ID}/environments",
        json={"source_env_id": STAGING, "target_env_id": LIVE, "push_db": False, "push_files": True},
    )
    assert await plugin_versions(client, LIVE) == before  # not yet
    await finish(client, clock, sim, push)
    assert (await plugin_versions(client, LIVE))["woocommerce"] == staging["woocommerce"]
    assert sim.state.environments[LIVE].db_marker == live_db


async def test_pushing_the_database_copies_it(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    push = await client.put(
        f"/sites/{s.ACME_SITE_ID}/environments",
        json={"source_env_id": STAGING, "target_env_id": LIVE, "push_db": True, "push_files": False},
    )
    await finish(client, clock, sim, push)
    assert sim.state.environments[LIVE].db_marker == sim.state.environments[STAGING].db_marker


async def test_restoring_a_backup_brings_back_its_contents(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    update = await client.put(
        f"/sites/environments/{LIVE}/plugins", json={"name": "woocommerce", "update_version": "9.5.1"}
    )
    await finish(client, clock, sim, update)
    assert (await plugin_versions(client, LIVE))["woocommerce"] == "9.5.1"

    backups = (await client.get(f"/sites/environments/{LIVE}/backups")).json()["environment"]["backups"]
    scheduled = next(b for b in backups if b["type"] == "scheduled")
    restore = await client.post(
        f"/sites/environments/{LIVE}/backups/restore",
        json={"backup_id": scheduled["id"], "notified_user_id": s.OWNER_USER_ID},
    )
    await finish(client, clock, sim, restore)
    assert (await plugin_versions(client, LIVE))["woocommerce"] == "9.4.2"
    assert sim.state.environments[LIVE].restored_from_backup == scheduled["id"]


async def test_an_injected_failure_is_500_from_operations_and_changes_nothing(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    sim.fail_operations("/sites/tools/modify-php-version")
    started = await client.put("/sites/tools/modify-php-version", json={"environment_id": LIVE, "php_version": "8.4"})
    assert started.status_code == 202
    clock.advance(sim.operation_seconds)
    outcome = await client.get(f"/operations/{started.json()['operation_id']}")
    assert outcome.status_code == 500
    assert outcome.json()["status"] == 500 and outcome.json()["message"]
    envs = (await client.get(f"/sites/{s.ACME_SITE_ID}/environments")).json()["site"]["environments"]
    live = next(e for e in envs if e["id"] == LIVE)
    assert live["container_info"]["php_engine_version"] == "php8.2"

    again = await client.put("/sites/tools/modify-php-version", json={"environment_id": LIVE, "php_version": "8.4"})
    await finish(client, clock, sim, again)  # only the next one failed
    envs = (await client.get(f"/sites/{s.ACME_SITE_ID}/environments")).json()["site"]["environments"]
    assert next(e for e in envs if e["id"] == LIVE)["container_info"]["php_engine_version"] == "php8.4"


async def test_unknown_operation_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/operations/sites:add-00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and r.json()["status"] == 404


async def test_manual_backup_with_tag_then_remove(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    done = await finish(
        client, clock, sim, await client.post(f"/sites/environments/{LIVE}/manual-backups", json={"tag": "pre-sale"})
    )
    backup_id = done["data"]["idBackup"]
    backups = (await client.get(f"/sites/environments/{LIVE}/backups")).json()["environment"]["backups"]
    assert {"id": backup_id, "note": "pre-sale", "type": "manual"}.items() <= next(
        b for b in backups if b["id"] == backup_id
    ).items()
    await finish(client, clock, sim, await client.delete(f"/sites/environments/backups/{backup_id}"))
    backups = (await client.get(f"/sites/environments/{LIVE}/backups")).json()["environment"]["backups"]
    assert all(b["id"] != backup_id for b in backups)


async def test_environment_clone_and_delete(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    done = await finish(
        client,
        clock,
        sim,
        await client.post(
            f"/sites/{s.ACME_SITE_ID}/environments/clone",
            json={"display_name": "QA", "is_premium": False, "source_env_id": LIVE},
        ),
    )
    env_id = done["data"]["idEnvironment"]
    assert await plugin_versions(client, env_id) == await plugin_versions(client, LIVE)
    await finish(client, clock, sim, await client.delete(f"/sites/environments/{env_id}"))
    envs = (await client.get(f"/sites/{s.ACME_SITE_ID}/environments")).json()["site"]["environments"]
    assert env_id not in {e["id"] for e in envs}
    assert (await client.get(f"/sites/environments/{env_id}/plugins")).status_code == 404


async def test_deleting_a_site_removes_it(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    await finish(client, clock, sim, await client.delete(f"/sites/{s.NORTHWIND_SITE_ID}"))
    assert (await client.get(f"/sites/{s.NORTHWIND_SITE_ID}")).status_code == 404


async def test_bulk_plugin_update_applies_pending_updates(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    r = await client.put(
        f"/sites/environments/{LIVE}/plugins/bulk-update",
        json={"plugins": [{"name": "akismet"}, {"name": "wordpress-seo"}]},
    )
    assert r.status_code == 200 and r.json()["operation_id"].startswith("wp-plugins:bulk-update-")
    await finish(client, clock, sim, r)
    versions = await plugin_versions(client, LIVE)
    assert (versions["akismet"], versions["wordpress-seo"]) == ("5.3.5", "24.1")


async def test_dns_records_create_update_delete(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    url = f"/domains/{s.ACME_DNS_ZONE_ID}/dns-records"

    async def records() -> dict[tuple[str, str], list[str]]:
        items = (await client.get(url)).json()["domain"]["dns_records"]
        return {(r["type"], r["name"]): [v["value"] for v in r["resource_records"]] for r in items}

    new = {"type": "A", "name": "api.acme-shop.com", "ttl": 300, "resource_records": [{"value": "192.0.2.5"}]}
    await finish(client, clock, sim, await client.post(url, json=new))
    assert (await records())[("A", "api.acme-shop.com")] == ["192.0.2.5"]
    assert (await client.post(url, json=new)).status_code == 400  # exists already

    change = {
        "type": "A",
        "name": "api.acme-shop.com",
        "new_resource_records": [{"value": "192.0.2.6"}],
        "removed_resource_records": [{"value": "192.0.2.5"}],
    }
    await finish(client, clock, sim, await client.put(url, json=change))
    assert (await records())[("A", "api.acme-shop.com")] == ["192.0.2.6"]

    await finish(
        client, clock, sim, await client.request("DELETE", url, json={"type": "A", "name": "api.acme-shop.com"})
    )
    assert ("A", "api.acme-shop.com") not in await records()


async def test_domains_add_and_change_primary(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    done = await finish(
        client, clock, sim, await client.post(f"/sites/environments/{LIVE}/domains", json={"domain_name": "acme.shop"})
    )
    domain_id = done["data"]["idDomain"]
    names = [
        d["name"]
        for d in (await client.get(f"/sites/environments/{LIVE}/domains")).json()["environment"]["site_domains"]
    ]
    assert "acme.shop" in names
    records = (await client.get(f"/sites/environments/domains/{domain_id}/verification-records")).json()
    assert records["site_domain"]["verification_records"][0]["type"] == "CNAME"

    await finish(
        client,
        clock,
        sim,
        await client.put(
            f"/sites/environments/{LIVE}/change-primary-domain",
            json={"domain_id": domain_id, "run_search_and_replace": True},
        ),
    )
    site = (await client.get(f"/sites/{s.ACME_SITE_ID}")).json()["site"]
    live = next(e for e in site["environments"] if e["id"] == LIVE)
    assert live["primaryDomain"]["name"] == "acme.shop"
    deleting_primary = await client.request(
        "DELETE", f"/sites/environments/{LIVE}/domains", json={"domain_ids": [domain_id]}
    )
    assert deleting_primary.status_code == 400


async def test_redirect_rules_filter_sort_page_and_change(client: httpx.AsyncClient) -> None:
    url = f"/sites/environments/{LIVE}/redirect-rules"

    def rules(r: httpx.Response) -> tuple[list[str], int]:
        data = r.json()["environment"]["container_info"]["redirect_rules"]
        return [x["from"] for x in data["rules"]], data["redirect_rules_count"]

    all_from, total = rules(await client.get(url, params={"key": "from", "limit": "100"}))
    assert all_from == sorted(all_from) and total == len(all_from) == 4
    page, total = rules(await client.get(url, params={"key": "from", "order": "descend", "limit": "2", "offset": "1"}))
    assert page == sorted(all_from, reverse=True)[1:3] and total == 4
    found, count = rules(await client.get(url, params={"search_query": "sale"}))
    assert found == ["/sale"] and count == 1
    found, _ = rules(await client.get(url, params={"search_query": "b.og", "regex_search": "true"}))
    assert found == ["^/blog/(.*)$"]
    literal, _ = rules(await client.get(url, params={"search_query": "b.og"}))
    assert literal == []  # without regex_search the dot is a dot

    rule = {"domain": None, "from": "/promo", "to": "/shop/promo/", "type": "redirect"}
    assert (await client.post(url, json={"action_type": "NEW", "new_value": rule})).status_code == 200
    updated = {**rule, "to": "/shop/deals/"}
    r = await client.post(url, json={"action_type": "UPDATE", "rules_to_update": [rule], "new_value": updated})
    assert r.status_code == 200
    found, _ = rules(await client.get(url, params={"search_query": "promo"}))
    assert found == ["/promo"]
    await client.post(url, json={"action_type": "DELETE", "rules_to_update": [updated]})
    assert rules(await client.get(url))[1] == 4
    await client.post(url, json={"action_type": "DELETE_ALL"})
    assert rules(await client.get(url)) == ([], 0)


async def test_logs_honour_lines_and_look_like_php_errors(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "error", "lines": "25"})
    text = r.json()["environment"]["container_info"]["logs"]
    lines = text.splitlines()
    assert len(lines) == 25
    assert any("PHP Warning" in line for line in lines)
    access = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "access", "lines": "3"})
    assert len(access.json()["environment"]["container_info"]["logs"].splitlines()) == 3
    too_many = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "error", "lines": "20001"})
    assert too_many.status_code == 400 and "lines" in too_many.json()["message"]


async def test_wp_cli_output_arrives_with_the_operation(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    url = f"/sites/environments/{LIVE}/run-wp-cli-command"
    version = await finish(client, clock, sim, await client.post(url, json={"wp_command": "wp core version"}))
    assert version["data"]["output"] == sim.state.environments[LIVE].wordpress_version
    listing = await finish(client, clock, sim, await client.post(url, json={"wp_command": "wp plugin list"}))
    assert "woocommerce\tactive\tavailable\t9.4.2" in listing["data"]["output"]
    siteurl = await finish(client, clock, sim, await client.post(url, json={"wp_command": "wp option get siteurl"}))
    assert siteurl["data"]["output"] == "https://acme-shop.com"
    bad = await client.post(url, json={"wp_command": "rm -rf /"})
    assert bad.status_code == 400 and "wp_command" in bad.json()["message"]


async def test_analytics_follow_time_span_and_dates(client: httpx.AsyncClient) -> None:
    url = f"/sites/environments/{LIVE}/analytics/visits"

    async def points(**params: str) -> int:
        r = await client.get(url, params={"company_id": DEMO_COMPANY_ID, **params})
        assert r.status_code == 202
        return len(r.json()["analytics"]["analytics_response"]["data"][0]["dataset"])

    assert await points(time_span="24_hours") == 24
    assert await points(time_span="30_days") == 30
    assert await points(**{"from": "2026-01-01", "to": "2026-01-10"}) == 10
    half = await client.get(url, params={"company_id": DEMO_COMPANY_ID, "from": "2026-01-01"})
    assert half.status_code == 400


async def test_sftp_accounts_and_ssh_settings(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    base = f"/sites/environments/{LIVE}"
    account = {"username": "acme-seo", "password": "Zx9-very-long-pass-42"}
    await finish(client, clock, sim, await client.post(f"{base}/additional-sftp-accounts", json=account))
    listed = (await client.get(f"{base}/additional-sftp-accounts")).json()["environment"]["additional_sftp_accounts"]
    assert "acme-seo" in [a["username"] for a in listed]
    short = await client.post(f"{base}/additional-sftp-accounts", json={"username": "x1", "password": "short"})
    assert short.status_code == 400 and "password" in short.json()["message"]

    old = (await client.get(f"{base}/ssh/password")).json()["environment"]["sftp_password"]
    assert (await client.post(f"{base}/ssh/generate-password")).json() == {"result": None}
    assert (await client.get(f"{base}/ssh/password")).json()["environment"]["sftp_password"] != old
    await client.post(f"{base}/ssh/set-status", json={"is_enabled": False})
    status = (await client.get(f"{base}/ssh/get-status")).json()
    assert status["environment"]["active_container"]["is_ssh_enabled"] is False
    await client.post(f"{base}/ssh/set-allowed-ips", json={"ip_allowlist": ["192.0.2.0/24"]})
    allowed = (await client.get(f"{base}/ssh/get-allowed-ips")).json()
    assert allowed["environment"]["active_container"]["stfp_ip_allowlist"] == ["192.0.2.0/24"]


async def test_denied_ips_replace_the_list(client: httpx.AsyncClient) -> None:
    assert (
        await client.put("/sites/tools/denied-ips", json={"environment_id": LIVE, "ip_list": ["192.0.2.9"]})
    ).status_code == 200
    r = await client.get("/sites/tools/denied-ips", params={"environment_id": LIVE})
    assert r.json()["environment"]["ip_list"] == ["192.0.2.9"]


async def test_the_activity_log_records_what_was_done(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    await finish(client, clock, sim, await client.post("/sites/tools/clear-cache", json={"environment_id": LIVE}))
    await client.put("/sites/tools/denied-ips", json={"environment_id": LIVE, "ip_list": []})
    seeded = len(sim.state.activities) - 2  # the demo's past week comes before what this test did
    r = await client.get(f"/company/{DEMO_COMPANY_ID}/activity-logs", params={"limit": "1"})
    logs = r.json()["company"]["activity_logs"]
    assert logs["total"] == seeded + 2 and seeded >= 5
    assert [i["type"] for i in logs["items"]] == ["updateDeniedIps"]
    second = await client.get(f"/company/{DEMO_COMPANY_ID}/activity-logs", params={"limit": "1", "offset": "1"})
    item = second.json()["company"]["activity_logs"]["items"][0]
    assert item["type"] == "clearCache" and item["is_done"] and item["site_id"] == s.ACME_SITE_ID


async def test_the_demo_activity_log_has_a_history_with_actors(client: httpx.AsyncClient) -> None:
    """Not empty until something changes: the past week, done by the company's users (with their roles)
    and by an API key; filtering by a person keeps only what they did."""
    url = f"/company/{DEMO_COMPANY_ID}/activity-logs"
    items = (await client.get(url, params={"limit": "50"})).json()["company"]["activity_logs"]["items"]
    people = {i["initiated_by"]["full_name"]: i["initiated_by"]["role"] for i in items if "initiated_by" in i}
    assert people == {"Alex Morgan": "company_owner", "Sam Lee": "company_admin", "Priya Shah": "company_developer"}
    assert any("api_key_info" in i for i in items) and any(i["has_failed"] for i in items)
    assert len({i["site_id"] for i in items}) == 3
    mine = await client.get(url, params={"limit": "50", "id_initiated_by": s.DEVELOPER_USER_ID})
    kinds = {i["type"] for i in mine.json()["company"]["activity_logs"]["items"]}
    assert kinds == {"addManualBackup", "modifyPhpVersion"}


async def test_unknown_and_foreign_ids_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/sites/00000000-0000-4000-8000-000000000000")).status_code == 404
    other_company = "11111111-1111-4111-8111-111111111111"
    assert (await client.get("/sites", params={"company": other_company})).status_code == 404
    assert (await client.get(f"/company/{other_company}/users")).status_code == 404
    clone = {"company": other_company, "display_name": "x", "source_env_id": LIVE}
    assert (await client.post("/sites/clone", json=clone)).status_code == 404


async def test_bad_values_are_400_naming_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        (
            "PUT",
            "/sites/cdn/image-optimization",
            {"environment_id": LIVE, "image_optimization_type": "max"},
            "image_optimization_type",
        ),
        (
            "POST",
            f"/sites/environments/{LIVE}/change-webroot-subfolder",
            {"web_root_subfolder": "public"},
            "web_root_subfolder",
        ),
        ("POST", "/sites/tools/clear-cache", {"environment_id": LIVE, "extra": 1}, "extra"),
        ("PUT", "/sites/edge-caching/status", {"environment_id": LIVE, "enabled": "yes"}, "enabled"),
    ]
    for method, url, body, field in cases:
        r = await client.request(method, url, json=body)
        assert r.status_code == 400, (url, r.text)
        assert field in r.json()["message"]
    r = await client.get("/domains/not-a-uuid/dns-records")
    assert r.status_code == 400 and "domain_id" in r.json()["message"]
    r = await client.get("/sites", params={"company": DEMO_COMPANY_ID, "include_environments": "maybe"})
    assert r.status_code == 400 and "include_environments" in r.json()["message"]


async def test_reset_returns_to_the_seeded_state(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    await finish(client, clock, sim, await client.delete(f"/sites/{s.NORTHWIND_SITE_ID}"))
    sim.reset()
    assert (await client.get(f"/sites/{s.NORTHWIND_SITE_ID}")).status_code == 200
    assert len(sim.requests) == 1


def test_seed_has_the_documented_demo_data() -> None:
    sim = Simulator(clock=SimClock())
    names = {site.display_name for site in sim.state.sites.values()}
    assert {"Acme Shop", "Northwind Blog", "Contoso Network"} <= names
    assert sim.state.sites[s.CONTOSO_SITE_ID].is_multisite
    for site in sim.state.sites.values():
        assert {e.name for e in sim.state.envs_of(site)} == {"live", "staging"}
    live = sim.state.environments[LIVE]
    assert {b.type for b in live.backups} == {"manual", "scheduled", "system"}
    assert any(p.update_version for p in live.plugins)
    zone = sim.state.dns_zones[s.ACME_DNS_ZONE_ID]
    assert {r.type for r in zone.records} >= {"A", "CNAME", "MX", "TXT"}
    assert Simulator(clock=SimClock()).state.sites.keys() == sim.state.sites.keys()  # deterministic ids
