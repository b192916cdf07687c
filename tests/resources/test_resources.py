"""Resources and templates against the simulator.

Also: the read cache (hits counted in the simulator's request log) and its invalidation
after a write, and the change announcements (subscription bus on 2026-07-28, notifications
on the calling session on 2025-11-25). Only reading every resource and the announcements
depend on the protocol version; the rest runs once (MODE).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from harness import MODES, client, known_ids, world
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourcesListChanged, ResourceUpdated
from mcp_types import ResourceListChangedNotification, ResourceUpdatedNotification

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.server.reads import FIXED_ARGUMENTS
from kinsta_mcp.server.resources import (
    FAMILIES,
    FAMILY_VARIABLE,
    MAX_LISTED,
    resource_specs,
    template_variables,
)
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

SEEDED_SITES = (ids.ACME_SITE_ID, ids.NORTHWIND_SITE_ID, ids.CONTOSO_SITE_ID)
SEEDED_ENVS = (
    ids.ACME_LIVE_ENV_ID,
    ids.ACME_STAGING_ENV_ID,
    ids.NORTHWIND_LIVE_ENV_ID,
    ids.NORTHWIND_STAGING_ENV_ID,
    ids.CONTOSO_LIVE_ENV_ID,
    ids.CONTOSO_STAGING_ENV_ID,
)
DECLARED = [op for op in OPERATIONS if op.resource]
MODE = "auto"  # where the protocol version does not matter


def fill(template: str) -> str:
    """A concrete URI for a template, with seeded ids and each fixed variable's first choice."""
    spec = next(s for s in resource_specs() if s.template == template)
    values: dict[str, Any] = dict(known_ids())
    uri = template
    for name in template_variables(template):
        choices = spec.choices(name)
        value = choices[0] if choices else values[name]
        uri = uri.replace("{" + name + "}", str(value))
    return uri


def test_every_declared_resource_is_a_read_without_secrets() -> None:
    for op in DECLARED:
        assert op.effect.value == "read", op.name
        assert not op.reveals_secret, op.name
        for name in template_variables(op.resource or ""):
            assert name in op.input.model_fields, (op.name, name)
        # Required arguments the URI does not carry are fixed for the resource.
        for name, info in op.input.model_fields.items():
            if info.is_required() and name not in template_variables(op.resource or ""):
                assert name in FIXED_ARGUMENTS.get(op.name, {}), (op.name, name)
    served = {o.name for s in resource_specs() for o in s.operations.values()}
    secrets = {op.name for op in OPERATIONS if op.reveals_secret}
    assert secrets and not served & secrets
    assert not any("password" in (op.resource or "") for op in OPERATIONS)


def test_families_merge_operations_by_metric() -> None:
    specs = {s.template: s for s in resource_specs()}
    for template in FAMILIES:
        spec = specs[template]
        assert FAMILY_VARIABLE in spec.variables
        assert len(spec.operations) >= 3
        for metric, op in spec.operations.items():
            assert op.resource == template.replace("{" + FAMILY_VARIABLE + "}", metric)


async def test_templates_listed_with_title_description_and_mime() -> None:
    expected = {s.template: s for s in resource_specs() if s.variables}
    async with world() as w, client(w.server, MODE) as c:
        templates = (await c.list_resource_templates()).resource_templates
    assert {t.uri_template for t in templates} == set(expected)
    for t in templates:
        assert t.title and t.description
        assert t.mime_type == expected[t.uri_template].mime_type
        assert t.mime_type in ("application/json", "text/plain")
    logs = next(t for t in templates if "/logs/" in t.uri_template)
    assert logs.mime_type == "text/plain"


async def test_list_names_live_sites_and_environments() -> None:
    async with world() as w, client(w.server, MODE) as c:
        listed = (await c.list_resources()).resources
    uris = {str(r.uri) for r in listed}
    assert {"kinsta://sites", "kinsta://overview", "kinsta://dns-domains", "kinsta://users"} <= uris
    for site_id in SEEDED_SITES:
        assert f"kinsta://sites/{site_id}" in uris
    for env_id in SEEDED_ENVS:
        assert f"kinsta://environments/{env_id}/plugins" in uris
        assert f"kinsta://environments/{env_id}/logs/error" in uris
    assert len(listed) <= MAX_LISTED + 10
    acme = next(r for r in listed if str(r.uri) == f"kinsta://sites/{ids.ACME_SITE_ID}")
    assert "Acme Shop" in (acme.title or "")
    overview = next(r for r in listed if str(r.uri) == "kinsta://overview")
    assert (overview.name, overview.title) == ("company_overview", "Company overview")
    for r in listed:
        assert r.title and r.description and r.mime_type in ("application/json", "text/plain")


@pytest.mark.parametrize("mode", MODES)
async def test_every_listed_resource_reads(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        listed = (await c.list_resources()).resources
        for resource in listed:
            result = await c.read_resource(str(resource.uri))
            content = result.contents[0]
            assert content.mime_type == resource.mime_type, resource.uri
            text = getattr(content, "text", "")
            if content.mime_type == "application/json":
                assert json.loads(text) is not None, resource.uri
            else:
                assert text.startswith("<<<UNTRUSTED"), resource.uri


async def test_every_template_reads_with_seeded_ids() -> None:
    async with world() as w, client(w.server, MODE) as c:
        for spec in resource_specs():
            if not spec.variables:
                continue
            uri = fill(spec.template)
            result = await c.read_resource(uri)
            text = getattr(result.contents[0], "text", "")
            assert text, uri
            if spec.mime_type == "application/json":
                json.loads(text)
        site = await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}")
    assert json.loads(getattr(site.contents[0], "text", ""))["site"]["id"] == ids.ACME_SITE_ID


async def test_each_metric_reads_its_own_operation() -> None:
    env = ids.ACME_LIVE_ENV_ID
    async with world() as w, client(w.server, MODE) as c:
        await c.read_resource(f"kinsta://environments/{env}/analytics/cdn-bandwidth/7_days")
        await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}/usage/bandwidth")
        paths = [r.path for r in w.sim.requests]
        assert f"/sites/environments/{env}/analytics/cdn-bandwidth" in paths
        assert f"/sites/{ids.ACME_SITE_ID}/usage/bandwidth/this-month" in paths
        with pytest.raises(Exception, match="metric"):
            await c.read_resource(f"kinsta://environments/{env}/analytics/nonsense/7_days")


async def test_unknown_site_is_an_error_not_an_empty_resource() -> None:
    async with world() as w, client(w.server, MODE) as c:
        with pytest.raises(MCPError, match=r"(?i)not found.*Kinsta said"):
            await c.read_resource("kinsta://sites/no-such-site")


# -- cache and invalidation ------------------------------------------------------------------


def gets(w: Any, path: str) -> int:
    return sum(1 for r in w.sim.requests if r.method == "GET" and r.path == path)


async def test_reads_are_cached_until_the_ttl_passes() -> None:
    env = ids.ACME_LIVE_ENV_ID
    uri = f"kinsta://environments/{env}/plugins"
    path = f"/sites/environments/{env}/plugins"
    async with world() as w, client(w.server, MODE) as c:
        first = await c.read_resource(uri, cache_mode="bypass")
        second = await c.read_resource(uri, cache_mode="bypass")
        assert gets(w, path) == 1
        assert first.contents[0] == second.contents[0]
        w.sim.clock.advance(31)
        await c.read_resource(uri, cache_mode="bypass")
        assert gets(w, path) == 2


async def test_a_write_invalidates_what_it_affects() -> None:
    live, staging = ids.ACME_LIVE_ENV_ID, ids.ACME_STAGING_ENV_ID
    async with world() as w, client(w.server, MODE) as c:
        for env in (live, staging):
            await c.read_resource(f"kinsta://environments/{env}/plugins", cache_mode="bypass")
        await c.read_resource(f"kinsta://environments/{ids.NORTHWIND_LIVE_ENV_ID}/plugins", cache_mode="bypass")
        await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}/environments", cache_mode="bypass")
        await c.read_resource("kinsta://sites", cache_mode="bypass")

        result = await c.call_tool("set_php_version", {"env_id": live, "php_version": "8.3"})
        assert not result.is_error, result.content

        env_listing = await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}/environments", cache_mode="bypass")
        for env in (live, staging):
            await c.read_resource(f"kinsta://environments/{env}/plugins", cache_mode="bypass")
        await c.read_resource(f"kinsta://environments/{ids.NORTHWIND_LIVE_ENV_ID}/plugins", cache_mode="bypass")
        await c.read_resource("kinsta://sites", cache_mode="bypass")

    assert gets(w, f"/sites/environments/{live}/plugins") == 2  # the written environment: read again
    assert gets(w, f"/sites/{ids.ACME_SITE_ID}/environments") == 2  # its site
    assert gets(w, "/sites") == 2  # company-wide lists
    assert gets(w, f"/sites/environments/{ids.NORTHWIND_LIVE_ENV_ID}/plugins") == 1  # another site: still cached
    envs = json.loads(getattr(env_listing.contents[0], "text", ""))["site"]["environments"]
    assert next(e for e in envs if e["id"] == live)["container_info"]["php_engine_version"] == "php8.3"


async def test_modern_clients_hear_of_changed_resources_on_their_subscription() -> None:
    live = ids.ACME_LIVE_ENV_ID
    watched = f"kinsta://environments/{live}/plugins"
    async with world() as w, client(w.server, "auto") as c:
        await c.read_resource(watched)
        async with c.listen(resource_subscriptions=[watched], resources_list_changed=True) as sub:
            result = await c.call_tool("clear_site_cache", {"env_id": live})
            assert not result.is_error
            events: list[Any] = []
            with anyio.fail_after(5):
                async for event in sub:
                    events.append(event)
                    if any(isinstance(e, ResourcesListChanged) for e in events) and any(
                        isinstance(e, ResourceUpdated) for e in events
                    ):
                        break
    assert ResourceUpdated(uri=watched) in events


async def test_legacy_clients_get_notifications_for_resources_they_read() -> None:
    live = ids.ACME_LIVE_ENV_ID
    read_before = f"kinsta://environments/{live}/plugins"
    received: list[Any] = []

    async def on_message(message: Any) -> None:
        received.append(message)

    async with world() as w, Client(w.server, mode="legacy", message_handler=on_message) as c:
        await c.read_resource(read_before)
        result = await c.call_tool("clear_site_cache", {"env_id": live})
        assert not result.is_error
    updated = [m.params.uri for m in received if isinstance(m, ResourceUpdatedNotification)]
    assert updated == [read_before]  # only what this session read
    assert any(isinstance(m, ResourceListChangedNotification) for m in received)
