"""The find tool: sites, environments, domains and DNS zones by part of a name or id.

Against the simulator through an in-memory MCP client: what matches, best first, the cap
and the count of the rest, the kind filter, and that it costs the cached site list and the
DNS zone list, nothing more.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import client, text_of, world
from jsonschema import Draft202012Validator

from kinsta_mcp.server.find import MAX_MATCHES
from kinsta_mcp.simulator import DEMO_COMPANY_ID, Fault
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.handlers.sites import build_site

pytestmark = pytest.mark.anyio


def sent(w: Any) -> list[str]:
    return [f"{r.method} {r.path}" for r in w.sim.requests]


def matches(result: Any) -> list[dict[str, Any]]:
    return list((result.structured_content or {})["matches"])


async def test_a_part_of_a_name_finds_the_site_its_environments_and_domains() -> None:
    async with world() as w, client(w.server, "auto") as c:
        schema = {t.name: t for t in (await c.list_tools()).tools}["find"].output_schema
        result = await c.call_tool("find", {"query": "ACME"})
    assert not result.is_error, text_of(result)
    found = {(m["kind"], m["id"]) for m in matches(result)}
    assert {
        ("site", ids.ACME_SITE_ID),
        ("environment", ids.ACME_LIVE_ENV_ID),
        ("environment", ids.ACME_STAGING_ENV_ID),
        ("domain", ids.ACME_PRIMARY_DOMAIN_ID),
        ("domain", ids.ACME_WWW_DOMAIN_ID),
        ("dns_zone", ids.ACME_DNS_ZONE_ID),
    } <= found
    assert not any(ids.NORTHWIND_SITE_ID in (m["id"], m.get("site_id")) for m in matches(result))
    assert matches(result)[0] == {"kind": "site", "name": "Acme Shop", "id": ids.ACME_SITE_ID}  # sites first
    domain = next(m for m in matches(result) if m["id"] == ids.ACME_PRIMARY_DOMAIN_ID)
    assert domain["env_id"] == ids.ACME_LIVE_ENV_ID and domain["environment"] == "Acme Shop/Live"
    for kind, thing_id in found:  # the text carries every match
        assert thing_id in text_of(result) and kind in text_of(result)
    assert sorted(sent(w)) == ["GET /domains", "GET /sites"]
    assert schema is not None and list(Draft202012Validator(schema).iter_errors(result.structured_content)) == []


async def test_an_environment_found_by_site_slash_env_is_usable_as_env_id() -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("find", {"query": "acme/stag", "kind": "environment"})
        [env] = matches(result)
        backups = await c.call_tool("list_backups", {"env_id": env["name"]})
    assert env["id"] == ids.ACME_STAGING_ENV_ID and env["site_id"] == ids.ACME_SITE_ID
    assert not backups.is_error and f"GET /sites/environments/{ids.ACME_STAGING_ENV_ID}/backups" in sent(w)
    assert sent(w).count("GET /sites") == 1  # find and the name share the cached site list


async def test_a_whole_name_comes_before_a_part_and_ids_are_searched_too() -> None:
    async with world() as w, client(w.server, "auto") as c:
        w.sim.state.sites[ids.NORTHWIND_SITE_ID].display_name = "Shop Northwind"
        build_site(w.sim.state, DEMO_COMPANY_ID, "Shop", "us-central1")
        by_name = await c.call_tool("find", {"query": "shop", "kind": "site"})
        by_id = await c.call_tool("find", {"query": ids.CONTOSO_SITE_ID[:8]})
    names = [m["name"] for m in matches(by_name)]
    assert names[0] == "Shop" and names[1] == "Shop Northwind" and set(names[2:]) == {"Acme Shop"}
    assert [m["id"] for m in matches(by_id)] == [ids.CONTOSO_SITE_ID]


async def test_many_matches_are_capped_and_the_rest_counted() -> None:
    async with world() as w, client(w.server, "auto") as c:
        for n in range(40):
            build_site(w.sim.state, DEMO_COMPANY_ID, f"Client {n:02}", "us-central1")
        result = await c.call_tool("find", {"query": "client", "kind": "site"})
        few = await c.call_tool("find", {"query": "client 3"})
    assert len(matches(result)) == MAX_MATCHES
    assert (result.structured_content or {})["more"] == 40 - MAX_MATCHES
    assert f"{40 - MAX_MATCHES} more not shown" in text_of(result)
    sites = [m["name"] for m in matches(few) if m["kind"] == "site"]
    assert sites[:10] == [f"Client 3{n}" for n in range(10)]  # names that start with the query first
    assert sorted(sites[10:]) == ["Client 03", "Client 13", "Client 23"]  # then every word somewhere in a name


async def test_dns_zones_that_cannot_be_read_are_reported_not_hidden() -> None:
    async with world() as w, client(w.server, "auto") as c:
        w.sim.faults.add(Fault(method="GET", path="/domains", status=403, times=None))
        result = await c.call_tool("find", {"query": "acme-shop.com"})
    assert not result.is_error
    assert [(m["kind"], m["id"]) for m in matches(result)] == [
        ("domain", ids.ACME_PRIMARY_DOMAIN_ID),  # the whole name first
        ("domain", ids.ACME_WWW_DOMAIN_ID),
    ]
    assert (result.structured_content or {})["unread"] and "DNS zones" in text_of(result)


@pytest.mark.parametrize("args", [{}, {"query": ""}, {"query": "  "}, {"query": "a", "kind": "planet"}])
async def test_bad_find_arguments_are_refused_before_any_read(args: dict[str, Any]) -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("find", args)
    assert result.is_error and ("query" in text_of(result) or "kind" in text_of(result))
    assert sent(w) == []


async def test_find_belongs_to_the_sites_toolset_and_the_instructions_follow() -> None:
    async with world(toolsets=("dns",)) as w, client(w.server, "auto") as c:
        hidden = {t.name for t in (await c.list_tools()).tools}
        refused = await c.call_tool("find", {"query": "acme"})
        without = c.instructions or ""
    async with world() as w2, client(w2.server, "auto") as c:
        with_find = c.instructions or ""
    assert "find" not in hidden and refused.is_error and "sites" in text_of(refused)
    assert sent(w) == []
    assert "find searches" in with_find and "find searches" not in without
    assert "Acme Shop/live" in with_find and "Acme Shop/live" in without  # names work in every toolset
