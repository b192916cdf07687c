"""Redirect rules: a filtered, sorted, paginated list, and NEW/UPDATE/DELETE/DELETE_ALL changes."""

from __future__ import annotations

import re
from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request, not_found
from ..world import Environment, RedirectRule
from .common import env_of

handlers = Handlers()

KEYS = ("domain", "from", "to", "type")


def _rule_key(rule: RedirectRule, field: str) -> str:
    value = {"domain": rule.domain, "from": rule.from_, "to": rule.to, "type": rule.type}[field]
    return (value or "").lower()


def _listing(env: Environment, params: dict[str, Any]) -> dict[str, Any]:
    rules = list(env.redirect_rules)
    search = params.get("search_query") or ""
    if search:
        if params.get("regex_search") is True:
            try:
                pattern = re.compile(search)
            except re.error:
                raise bad_request(f'"search_query" is not a valid regular expression: {search}') from None
            rules = [r for r in rules if any(pattern.search(_rule_key(r, k)) for k in KEYS)]
        else:
            rules = [r for r in rules if any(search.lower() in _rule_key(r, k) for k in KEYS)]
    key = params.get("key") or "domain"
    rules.sort(key=lambda r: _rule_key(r, key), reverse=params.get("order") == "descend")
    offset, limit = int(params.get("offset", 0)), int(params.get("limit", 10))
    page = rules[offset : offset + limit]
    return {
        "environment": {
            "id": env.id,
            "container_info": {
                "redirect_rules": {"rules": [r.to_json() for r in page], "redirect_rules_count": len(rules)}
            },
        }
    }


@handlers.add("GET /sites/environments/{env_id}/redirect-rules")
def list_rules(ctx: Ctx) -> Reply:
    return Reply(200, _listing(env_of(ctx, ctx.path["env_id"]), ctx.query))


def _rule(value: dict[str, Any]) -> RedirectRule:
    return RedirectRule(
        value["from"],
        value["to"],
        value["type"],
        value["domain"],
        value.get("traffic_from_country"),
        value.get("traffic_from_country_name"),
        value.get("traffic_from_city"),
        value.get("displayed_location"),
    )


def _same(a: RedirectRule, b: RedirectRule) -> bool:
    return (a.domain, a.from_, a.to, a.type) == (b.domain, b.from_, b.to, b.type)


@handlers.add(
    "POST /sites/environments/{env_id}/redirect-rules",
    activity="updateRedirectRules",
)
def change_rules(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    action = ctx.body["action_type"]
    targets = [_rule(v) for v in ctx.body.get("rules_to_update", [])]
    new = _rule(ctx.body["new_value"]) if "new_value" in ctx.body else None
    if action in ("NEW", "UPDATE") and new is None:
        raise bad_request(f'"new_value" is required when "action_type" is {action}')
    if action in ("UPDATE", "DELETE") and not targets:
        raise bad_request(f'"rules_to_update" is required when "action_type" is {action}')
    for target in targets:
        if not any(_same(target, r) for r in env.redirect_rules):
            raise not_found(f"redirect rule {target.from_} -> {target.to}")
    if action == "NEW":
        assert new is not None
        if any(r.from_ == new.from_ and r.domain == new.domain for r in env.redirect_rules):
            raise bad_request(f'A redirect rule from "{new.from_}" already exists for this domain')
        env.redirect_rules.append(new)
    elif action == "UPDATE":
        assert new is not None
        index = next(i for i, r in enumerate(env.redirect_rules) if _same(targets[0], r))
        env.redirect_rules[index] = new
        env.redirect_rules = [r for r in env.redirect_rules if r is new or not any(_same(t, r) for t in targets[1:])]
    elif action == "DELETE":
        env.redirect_rules = [r for r in env.redirect_rules if not any(_same(t, r) for t in targets)]
    else:
        env.redirect_rules = []
    return Reply(200, _listing(env, ctx.body))
