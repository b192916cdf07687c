"""The newer operations on the simulator's seeded world: each capability, as the demo shows it.

Every answer is also judged by the merged OpenAPI document (base + additions), so the
simulator stays inside what the additions document allows.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi import contract
from test_sim_scenarios import finish

from kinsta_mcp.simulator import DEMO_COMPANY_ID, SimClock, Simulator
from kinsta_mcp.simulator import seed as s
from kinsta_mcp.simulator.traffic import SUSPICIOUS_IP

pytestmark = pytest.mark.anyio

LIVE, STAGING = s.ACME_LIVE_ENV_ID, s.ACME_STAGING_ENV_ID
OWNER = "alex.morgan@demo-agency.example"
WINDOW = {"company_id": DEMO_COMPANY_ID, "time_span": "7_days"}


async def judged(http: httpx.AsyncClient, method: str, template: str, path: str, **kwargs: Any) -> httpx.Response:
    """The simulator's answer, after the merged document has accepted both request and answer."""
    response = await http.request(method, path, **kwargs)
    params = list(httpx.QueryParams(kwargs.get("params", {})).multi_items())
    _, request_problems = contract().check_request(method, path, params, kwargs.get("json"))
    assert request_problems == [], request_problems
    body = response.json()
    assert contract().check_response(method, template, response.status_code, body) == [], body
    return response


async def vulnerable(http: httpx.AsyncClient) -> dict[str, list[str]]:
    r = await judged(
        http,
        "GET",
        "/company/{id}/wp-plugins",
        f"/company/{DEMO_COMPANY_ID}/wp-plugins",
        params={"column": "vulnerable"},
    )
    items = r.json()["company"]["plugins"]["items"]
    return {i["name"]: sorted(e["site_display_name"] for e in i["environments"]) for i in items}


async def test_vulnerable_plugins_across_all_sites_in_one_call_and_gone_once_updated(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    before = await vulnerable(client)
    assert before == {
        "contact-form-7": ["Contoso Network", "Northwind Blog"],
        "wp-file-manager": ["Contoso Network"],
    }
    started = await client.put(
        f"/sites/environments/{s.NORTHWIND_LIVE_ENV_ID}/plugins/bulk-update",
        json={"plugins": [{"name": "contact-form-7"}]},
    )
    await finish(client, clock, sim, started)
    assert (await vulnerable(client))["contact-form-7"] == ["Contoso Network"]


async def test_company_inventory_sorts_searches_and_pages(client: httpx.AsyncClient) -> None:
    path = f"/company/{DEMO_COMPANY_ID}/wp-plugins"
    order = json.dumps({"field": "environments", "order": "descend"})
    r = await judged(client, "GET", "/company/{id}/wp-plugins", path, params={"order_by": order, "limit": "2"})
    listing = r.json()["company"]["plugins"]
    counts = [i["environment_count"] for i in listing["items"]]
    assert len(counts) == 2 and counts == sorted(counts, reverse=True) and listing["total"] > 2
    r = await judged(client, "GET", "/company/{id}/wp-plugins", path, params={"search": "yoast"})
    assert [i["name"] for i in r.json()["company"]["plugins"]["items"]] == ["wordpress-seo"]
    latest = r.json()["company"]["plugins"]["items"][0]
    assert latest["latest_version"] == "24.1" and latest["update_count"] >= 1
    bad = await client.get(path, params={"order_by": '{"field": "size", "order": "ascend"}'})
    assert bad.status_code == 400 and "field" in bad.json()["message"]
    themes = await judged(
        client,
        "GET",
        "/company/{id}/wp-themes",
        f"/company/{DEMO_COMPANY_ID}/wp-themes",
        params={"column": "updatesAvailable"},
    )
    assert {i["name"] for i in themes.json()["company"]["themes"]["items"]} >= {"storefront", "twentytwentyfour"}


async def test_environment_lists_take_the_filters(client: httpx.AsyncClient) -> None:
    template = "/sites/environments/{env_id}/wp-plugins"
    r = await judged(
        client, "GET", template, f"/sites/environments/{LIVE}/wp-plugins", params={"column": "updatesAvailable"}
    )
    data = r.json()["environment"]["container_info"]["wp_plugins"]["data"]
    assert data and all(p["update"] == "available" for p in data)
    r = await judged(client, "GET", template, f"/sites/environments/{LIVE}/wp-plugins", params={"status": "inactive"})
    assert [p["name"] for p in r.json()["environment"]["container_info"]["wp_plugins"]["data"]] == ["query-monitor"]
    wrong = await client.get(f"/sites/environments/{LIVE}/wp-plugins", params={"column": "outdated"})
    assert wrong.status_code == 400 and "column" in wrong.json()["message"]


async def test_wordpress_admin_check_create_then_login_link(client: httpx.AsyncClient) -> None:
    base = f"/sites/environments/{LIVE}"
    exists = "/sites/environments/{env_id}/wpa-user-exists"
    new = "jane.doe@acme-shop.com"
    r = await judged(client, "GET", exists, f"{base}/wpa-user-exists", params={"email": new})
    assert r.json() == {"has_wp_admin_user": False}
    no_link = await client.post(f"{base}/wpa-login-url", json={"email": new})
    assert no_link.status_code == 404
    body = {"email": new, "first_name": "Jane", "last_name": "Doe"}
    created = await judged(
        client, "POST", "/sites/environments/{env_id}/wpa-create-user", f"{base}/wpa-create-user", json=body
    )
    assert created.json() == {"create_wp_admin_user": True}
    again = await client.post(f"{base}/wpa-create-user", json=body)
    assert again.status_code == 400 and new in again.json()["message"]
    r = await judged(client, "GET", exists, f"{base}/wpa-user-exists", params={"email": new})
    assert r.json() == {"has_wp_admin_user": True}
    link = await judged(
        client, "POST", "/sites/environments/{env_id}/wpa-login-url", f"{base}/wpa-login-url", json={"email": new}
    )
    assert link.json()["login_link"].startswith("https://acme-shop.com/wp-login.php?kinsta-sso=")
    missing = await client.post(f"{base}/wpa-create-user", json={"email": new, "first_name": "Jane"})
    assert missing.status_code == 400 and "last_name" in missing.json()["message"]


async def test_force_https_and_bot_protection_change_after_their_operations(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    https = "/sites/environments/{env_id}/force-https-status"
    bots = "/sites/environments/{env_id}/bot-protection/level"
    base = f"/sites/environments/{LIVE}"
    r = await judged(client, "GET", https, f"{base}/force-https-status")
    assert r.json()["force_https"]["type"] == "ENABLED_REDIRECT_TO_PRIMARY"
    started = await judged(client, "POST", https, f"{base}/force-https-status", json={"type": "DISABLED"})
    await finish(client, clock, sim, started)
    assert (await client.get(f"{base}/force-https-status")).json()["force_https"]["type"] == "DISABLED"

    r = await judged(client, "GET", bots, f"{base}/bot-protection/level")
    assert r.json()["bot_protection"]["level"] == "challenge-bots"
    started = await judged(client, "PUT", bots, f"{base}/bot-protection/level", json={"level": "challenge-everyone"})
    assert started.status_code == 202 and started.json()["operation_id"].startswith("bot-protection:set-level")
    assert (await client.get(f"{base}/bot-protection/level")).json()["bot_protection"]["level"] == "challenge-bots"
    await finish(client, clock, sim, started)
    assert (await client.get(f"{base}/bot-protection/level")).json()["bot_protection"]["level"] == "challenge-everyone"
    wrong = await client.put(f"{base}/bot-protection/level", json={"level": "block-everyone"})
    assert wrong.status_code == 400 and "level" in wrong.json()["message"]


async def test_search_and_replace_previews_then_replaces(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    template = "/sites/tools/search-and-replace"
    body = {"environment_id": LIVE, "search": "https://acme-shop.com", "replace": "https://shop.acme.example"}
    preview = await judged(client, "POST", template, template, json=body)  # perform_replacement left out: a preview
    assert preview.status_code == 200 and preview.json()["search_replace"]["matches"] > 0
    assert sim.state.environments[LIVE].site_url == "https://acme-shop.com"  # nothing changed
    started = await judged(client, "POST", template, template, json={**body, "perform_replacement": True})
    assert started.status_code == 202
    outcome = await finish(client, clock, sim, started)
    assert outcome["status"] == 200
    assert sim.state.environments[LIVE].site_url == "https://shop.acme.example"
    after = await client.post(template, json=body)
    assert after.json()["search_replace"]["matches"] == 0


async def test_a_downloadable_backup_waits_for_its_cooldown(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    nxt = "/sites/environments/{env_id}/next-downloadable-backup-available"
    r = await judged(client, "GET", nxt, f"/sites/environments/{LIVE}/next-downloadable-backup-available")
    assert r.json()["next_downloadable_backup"]["is_available"] is False
    refused = await client.post(f"/sites/environments/{LIVE}/downloadable-backups")
    assert refused.status_code == 400 and "again after" in refused.json()["message"]
    started = await judged(
        client,
        "POST",
        "/sites/environments/{env_id}/downloadable-backups",
        f"/sites/environments/{STAGING}/downloadable-backups",
    )
    await finish(client, clock, sim, started)
    listed = await client.get(f"/sites/environments/{STAGING}/downloadable-backups")
    links = [b["download_link"] for b in listed.json()["environment"]["downloadable_backups"]]
    assert len(links) == 1 and links[0].endswith(".zip")
    r = await client.get(f"/sites/environments/{STAGING}/next-downloadable-backup-available")
    assert r.json()["next_downloadable_backup"]["is_available"] is False


async def test_top_client_ips_show_the_brute_force_until_it_is_denied(client: httpx.AsyncClient) -> None:
    template = "/sites/environments/{env_id}/analytics/top-client-ips"
    r = await judged(client, "GET", template, f"/sites/environments/{LIVE}/analytics/top-client-ips", params=WINDOW)
    ips = [row["ip"] for row in r.json()["analytics"]["analytics_response"]["data"]]
    assert ips[0] == SUSPICIOUS_IP
    denied = await client.put("/sites/tools/denied-ips", json={"environment_id": LIVE, "ip_list": [SUSPICIOUS_IP]})
    assert denied.status_code == 200
    r = await client.get(f"/sites/environments/{LIVE}/analytics/top-client-ips", params=WINDOW)
    assert SUSPICIOUS_IP not in [row["ip"] for row in r.json()["analytics"]["analytics_response"]["data"]]


@pytest.mark.parametrize("metric", ["response-codes", "visits-dispersion", "top-hosts", "top-countries"])
async def test_breakdowns_over_a_date_window(client: httpx.AsyncClient, metric: str) -> None:
    template = f"/sites/environments/{{env_id}}/analytics/{metric}"
    window = {"company_id": DEMO_COMPANY_ID, "from": "2026-11-01", "to": "2026-11-07"}
    r = await judged(client, "GET", template, f"/sites/environments/{LIVE}/analytics/{metric}", params=window)
    assert r.status_code == 202 and r.json()["analytics"]["analytics_response"]["data"]
    bad = await client.get(f"/sites/environments/{LIVE}/analytics/{metric}", params={**window, "from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.json()["message"]
    foreign = await client.get(f"/sites/environments/{LIVE}/analytics/{metric}", params={**window, "company_id": "x"})
    assert foreign.status_code == 404


async def test_adding_a_domain_with_www_adds_both(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    template = "/sites/environments/{env_id}/domains"
    path = f"/sites/environments/{LIVE}/domains"
    body = {"domain_name": "store.acme-shop.com", "add_with_www_subdomain": True, "setup_type": "avoid_downtime"}
    started = await judged(client, "POST", template, path, json=body)
    await finish(client, clock, sim, started)
    names = {d["name"] for d in (await client.get(path)).json()["environment"]["site_domains"]}
    assert {"store.acme-shop.com", "www.store.acme-shop.com"} <= names
    both = await client.post(
        path, json={"domain_name": "x.acme-shop.com", "add_with_www_subdomain": True, "is_wildcardless": True}
    )
    assert both.status_code == 400 and "is_wildcardless" in both.json()["message"]
    manual = await client.post(path, json={"domain_name": "y.acme-shop.com", "setup_type": "manual"})
    assert manual.status_code == 400 and "setup_type" in manual.json()["message"]
