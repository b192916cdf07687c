"""Consequences judged per call: the catalog's argument rules, under both protocol versions, as an attacker tries.

A model steered by hostile text calls writes that are harmless in general but not with these
arguments: a deny-all IP list, a list that drops existing entries, a plugin downgrade. With a
human who declines everything, none of them reaches Kinsta; with other arguments the same tools
run without a question. Writes that were already guarded say what these arguments add (a push or a
restore over live: what live loses, and the safer step).
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
LIVE, STAGING = ids.ACME_LIVE_ENV_ID, ids.ACME_STAGING_ENV_ID
UNKNOWN_UUID = "0b5a3c1e-0000-4000-8000-000000000000"
RESTORE = {"target_env_id": LIVE, "notified_user_id": ids.OWNER_USER_ID}


def puts(w: Any, path: str) -> list[Any]:
    return [r for r in w.sim.requests if r.method in ("PUT", "POST", "DELETE") and r.path == path]


DENIED = "/sites/tools/denied-ips"
PHP = "/sites/tools/modify-php-version"
PLUGINS = f"/sites/environments/{LIVE}/plugins"

# (tool, arguments, the request path it writes to): each must ask, and a declining human stops it.
TRIGGERS = {
    "deny-all": ("set_denied_ips", {"env_id": STAGING, "ip_list": ["0.0.0.0/0", "::/0"]}, DENIED),
    "deny-a-slash-4": ("set_denied_ips", {"env_id": STAGING, "ip_list": ["64.0.0.0/2"]}, DENIED),
    "deny-many-slash-9": ("set_denied_ips", {"env_id": STAGING, "ip_list": ["1.0.0.0/9", "1.128.0.0/9"]}, DENIED),
    "deny-wildcard": ("set_denied_ips", {"env_id": STAGING, "ip_list": ["*"]}, DENIED),
    "clear-the-list": ("set_denied_ips", {"env_id": LIVE, "ip_list": []}, DENIED),
    "drop-an-entry": ("set_denied_ips", {"env_id": LIVE, "ip_list": ["203.0.113.66"]}, DENIED),
    "downgrade": (
        "update_plugin_theme",
        {"kind": "plugin", "env_id": LIVE, "name": "woocommerce", "update_version": "1.0.0"},
        PLUGINS,
    ),
    "unlisted-version": (
        "update_plugin_theme",
        {"kind": "plugin", "env_id": LIVE, "name": "woocommerce", "update_version": "9.9.9"},
        PLUGINS,
    ),
    "php-downgrade": ("set_php_version", {"env_id": LIVE, "php_version": "8.0"}, PHP),  # live runs 8.2
}
# The same tools with arguments that change nothing of the kind: sent without a question.
HARMLESS = {
    "deny-one-address": ("set_denied_ips", {"env_id": STAGING, "ip_list": ["203.0.113.7", "2001:db8::/48"]}, DENIED),
    "add-keeping-the-list": (
        "set_denied_ips",
        {"env_id": LIVE, "ip_list": ["203.0.113.66", "198.51.100.0/24", "192.0.2.1"]},
        DENIED,
    ),
    "the-listed-update": (
        "update_plugin_theme",
        {"kind": "plugin", "env_id": LIVE, "name": "woocommerce", "update_version": "9.5.1"},
        PLUGINS,
    ),
    "latest": (
        "update_plugin_theme",
        {"kind": "plugin", "env_id": LIVE, "name": "woocommerce", "update_version": "latest"},
        PLUGINS,
    ),
    "php-upgrade": ("set_php_version", {"env_id": LIVE, "php_version": "8.3"}, PHP),
    "php-same": ("set_php_version", {"env_id": LIVE, "php_version": "8.2"}, PHP),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", TRIGGERS, ids=str)
async def test_a_consequence_the_arguments_make_asks_and_a_declining_human_stops_it(case: str, mode: str) -> None:
    tool, args, written = TRIGGERS[case]
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(tool, args)
    assert result.is_error and "Nothing was sent" in text_of(result), text_of(result)
    assert len(prompts) == 1 and "Watch out: " in prompts[0], prompts
    assert puts(w, written) == [] and w.writes() == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", HARMLESS, ids=str)
async def test_the_same_tool_with_harmless_arguments_runs_without_a_question(case: str, mode: str) -> None:
    tool, args, written = HARMLESS[case]
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(tool, args)
    assert not result.is_error, text_of(result)
    assert prompts == [] and len(puts(w, written)) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_the_prompt_says_what_the_arguments_do_in_plain_words(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        await c.call_tool("set_denied_ips", {"env_id": LIVE, "ip_list": ["0.0.0.0/0"]})
        await c.call_tool(
            "update_plugin_theme", {"kind": "plugin", "env_id": LIVE, "name": "woocommerce", "update_version": "1.0.0"}
        )
    deny, downgrade = prompts
    assert "0.0.0.0/0" in deny and "100% of all IPv4 addresses" in deny and "most visitors" in deny
    assert "removes 2 existing entries (203.0.113.66, 198.51.100.0/24)" in deny  # both rules, one prompt
    assert "This can stop the site working" in deny and "This changes who can get into the site." in deny
    assert "downgrades woocommerce from 9.4.2 to 1.0.0" in downgrade and "Safer: " in downgrade
    assert '"Acme Shop"' in deny and '"Acme Shop"' in downgrade


@pytest.mark.parametrize("mode", MODES)
async def test_a_push_or_restore_over_live_says_what_live_loses_and_offers_a_backup_first(mode: str) -> None:
    callback, prompts = answering("decline")
    push = {"site_id": ids.ACME_SITE_ID, "source_env_id": STAGING, "push_db": True}
    async with world() as w, client(w.server, mode, callback) as c:
        await c.call_tool("push_environment", {**push, "target_env_id": LIVE})
        await c.call_tool("push_environment", {"site_id": ids.ACME_SITE_ID, "source_env_id": LIVE, "push_db": True,
                                               "target_env_id": STAGING})  # fmt: skip
        await c.call_tool("restore_backup", {**RESTORE, "backup_id": ids.ACME_MANUAL_BACKUP_ID})
    to_live, to_staging, restore = prompts
    assert "orders, comments" in to_live
    assert f"Safer: Take a backup of live first: create_backup with env_id={LIVE}" in to_live
    assert "Watch out" not in to_staging and "orders" not in to_staging
    assert "change made since the backup are lost" in restore and "Safer:" in restore
    assert w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_an_sftp_allowlist_open_to_everyone_is_called_so(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        await c.call_tool("set_sftp", {"setting": "allowed_ips", "env_id": LIVE, "ip_allowlist": ["0.0.0.0/0"]})
        await c.call_tool("set_sftp", {"setting": "allowed_ips", "env_id": LIVE, "ip_allowlist": ["203.0.113.7"]})
    assert "Watch out: it allows 0.0.0.0/0" in prompts[0] and "Watch out" not in prompts[1]
    assert w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_precondition_is_refused_before_the_human_is_asked(mode: str) -> None:
    callback, prompts = answering("accept")
    args = {"kind": "plugin", "env_id": LIVE, "name": "not-a-plugin", "update_version": "1.0.0"}
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool("update_plugin_theme", args)
    assert result.is_error and "not an installed plugin" in text_of(result) and "not asked" in text_of(result)
    assert prompts == [] and w.writes() == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "tool,args",
    [
        ("delete_site", {"site_id": UNKNOWN_UUID}),
        ("delete_environment", {"env_id": UNKNOWN_UUID}),
        ("restore_backup", {**RESTORE, "backup_id": 999_999}),
    ],
    ids=["site", "environment", "backup"],
)
async def test_a_guarded_call_whose_target_does_not_exist_is_refused_before_the_human_is_asked(
    tool: str, args: dict[str, Any], mode: str
) -> None:
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(tool, args)
    assert result.is_error and "not found" in text_of(result) and "human was not asked" in text_of(result)
    assert prompts == [] and w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_an_uppercase_uuid_names_the_same_environment(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        await c.call_tool("set_denied_ips", {"env_id": STAGING.upper(), "ip_list": ["0.0.0.0/0"]})
    assert prompts and '"Acme Shop"' in prompts[0] and "not found" not in prompts[0]


async def test_in_token_mode_the_consequence_needs_the_token_too() -> None:
    async with world(confirmation="elicit-or-model-token") as w, client(w.server, "legacy") as c:
        result = await c.call_tool("set_denied_ips", {"env_id": STAGING, "ip_list": ["0.0.0.0/0"]})
    assert result.is_error and "confirmation_token=" in text_of(result) and "Watch out" in text_of(result)
    assert w.writes() == []


def test_every_rule_is_declared_with_its_condition_and_a_check() -> None:
    rules = [(op.name, rule) for op in OPERATIONS for rule in op.rules]
    names = {(op, rule.name) for op, rule in rules}
    assert {("set_denied_ips", "denies-a-broad-range"), ("set_denied_ips", "removes-denied-ips")} <= names
    assert {("update_plugin", "not-the-listed-update"), ("update_theme", "not-the-listed-update")} <= names
    assert {("push_environment", "push-over-live"), ("restore_backup", "restore-over-live")} <= names
    for _, rule in rules:
        assert rule.when and callable(rule.check)


@pytest.mark.parametrize("mode", MODES)
async def test_a_site_name_that_mixes_scripts_or_mimics_another_is_flagged(mode: str) -> None:
    from fleet_seed import add_sites

    callback, prompts = answering("decline")
    async with world() as w:
        site_id = add_sites(w.sim, 1)[0]
        w.sim.state.sites[site_id].display_name = "Acme Sh\u043ep"  # a Cyrillic o: looks like "Acme Shop"
        async with client(w.server, mode, callback) as c:
            await c.call_tool("delete_site", {"site_id": site_id})
            await c.call_tool("delete_site", {"site_id": ids.ACME_SITE_ID})
    fake, real = prompts
    assert "Look twice:" in fake and "mixes scripts (CYRILLIC, LATIN)" in fake and 'looks like "Acme Shop"' in fake
    assert "Look twice:" in real and "looks the same but is spelt differently" in real
    assert w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_confirmation_reads_as_words_and_shows_only_what_was_given(mode: str) -> None:
    callback, prompts = answering("decline")
    rule = {"from": "/sale", "to": "/shop/sale/", "type": "redirect", "domain": "acme-shop.com"}
    async with world() as w, client(w.server, mode, callback) as c:
        await c.call_tool("update_redirect_rules", {"env_id": LIVE, "action_type": "NEW", "new_value": rule})
        await c.call_tool("add_site_domain", {"env_id": LIVE, "domain_name": "shop.example.com"})
    redirect, domain = prompts
    assert "from /sale to /shop/sale/" in redirect and "{" not in redirect
    assert "custom_ssl" not in domain and "(hidden)" not in domain and "(default)" not in domain
    assert domain.splitlines()[0].count("Acme Shop") == 1  # one sentence naming the site once
