"""Every tool against the simulator, under both protocol versions: it succeeds, and its
structured content validates against the output schema the tool advertises."""

from __future__ import annotations

from typing import Any

import pytest
from harness import MODES, answering, call_of, client, known_ids, text_of, world
from jsonschema import Draft202012Validator
from samples import valid_arguments

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.simulator import seed
from kinsta_mcp.simulator.seed_extras import OWNER_ADMIN

pytestmark = pytest.mark.anyio

# Inputs that must name something that exists in the seeded simulator (inputs, not expectations).
LIVE = seed.ACME_LIVE_ENV_ID
STAGING = seed.ACME_STAGING_ENV_ID
RULE = {"from": "/sale", "to": "/shop/sale/", "type": "redirect", "domain": "acme-shop.com"}
SPECIFIC: dict[str, dict[str, Any]] = {
    "update_plugin": {"name": "woocommerce", "update_version": "9.5.1"},
    "update_theme": {"name": "storefront", "update_version": "4.6.1"},
    "bulk_update_plugins": {"plugins": [{"name": "woocommerce"}, {"name": "wordpress-seo"}]},
    "bulk_update_themes": {"themes": [{"name": "storefront"}]},
    "run_wp_cli": {"wp_command": "wp cache flush"},  # a write: "wp plugin list" is on the read-only allowlist
    # adds to live's list: a list that drops its entries asks the human (tests/server/test_consequences.py)
    "set_denied_ips": {"ip_list": ["203.0.113.66", "198.51.100.0/24", "203.0.113.7"]},
    "delete_dns_record": {"type": "TXT", "name": "acme-shop.com"},
    "update_dns_record": {"type": "A", "name": "acme-shop.com", "new_resource_records": [{"value": "35.190.24.18"}]},
    "create_dns_record": {"type": "A", "name": "shop.acme-shop.com", "resource_records": [{"value": "35.190.24.19"}]},
    "set_primary_domain": {"domain_id": seed.ACME_WWW_DOMAIN_ID},
    "clear_cdn_cache": {"cdn_cache_id": None},  # filled in by the server from the environment
    "get_sftp_config": {"site_id": None},  # filled in: the environment's site
    "get_wp_admin_login_link": {"email": OWNER_ADMIN.email},
    "request_downloadable_backup": {"env_id": STAGING},  # live is within the cooldown of its last one
    "restore_backup": {"notified_user_id": seed.OWNER_USER_ID},
    "update_redirect_rules": {
        "action_type": "NEW",
        "new_value": {**RULE, "from": "/new-sale"},
        "rules_to_update": None,
    },
    "delete_redirect_rules": {"action_type": "DELETE", "rules_to_update": [RULE]},
    "delete_environment": {"env_id": STAGING},
    "push_environment": {"source_env_id": STAGING, "target_env_id": LIVE},
}


def arguments_for(op: Any) -> dict[str, Any]:
    ids = {**known_ids(), "env_id": LIVE}
    args = valid_arguments(op, ids)
    args.update(SPECIFIC.get(op.name, {}))
    return {k: v for k, v in args.items() if v is not None}


# The protocol version matters where the human is asked (elicitation differs): guarded operations run
# under both; the others under one, alternating along the catalog so both versions carry every kind.
CASES = [(op, mode) for i, op in enumerate(OPERATIONS) for mode in (MODES if op.guarded else (MODES[i % len(MODES)],))]


@pytest.mark.parametrize(("op", "mode"), CASES, ids=lambda v: getattr(v, "name", v))
async def test_tool_succeeds_against_the_simulator(op, mode) -> None:  # type: ignore[no-untyped-def]
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        args = arguments_for(op)
        if op.name == "get_operation":  # an operation that exists: start one first
            started = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
            args["operation_id"] = started.structured_content["operation_id"]  # type: ignore[index]
        name, args = call_of(op, args)
        result = await c.call_tool(name, args)
        assert not result.is_error, text_of(result)
        schema = tools[name].output_schema  # only where the output is described (a schema of {} says nothing)
        if schema is not None:
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(result.structured_content)]
            assert errors == []
        assert text_of(result).strip()
        assert bool(prompts) == op.guarded  # asked exactly when the operation is guarded


async def test_an_argument_the_environment_carries_is_filled_in_and_a_grouped_tool_names_its_member() -> None:
    """get_sftp what=config needs the site in its path: an env_id (here a name) is enough, and a wrong
    argument names the selector value that judged it."""
    async with world() as w, client(w.server, "auto") as c:
        config = await c.call_tool("get_sftp", {"what": "config", "env_id": "Acme Shop/live"})
        wrong = await c.call_tool("create_site", {"source": "clone", "display_name": "Copy", "region": "x"})
    assert not config.is_error, text_of(config)
    paths = [r.path for r in w.requests() if r.path.endswith("/ssh/config")]
    assert paths == [f"/sites/{seed.ACME_SITE_ID}/environments/{LIVE}/ssh/config"]
    assert wrong.is_error and "create_site with source=clone" in text_of(wrong)
    assert "source_env_id: required" in text_of(wrong) and "region: not an argument" in text_of(wrong)
    assert not w.writes()
