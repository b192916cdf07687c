"""Database search and replace (newer than 1.87.0): a preview (200) or the replacement (202, async).

Kinsta's answers are not documented. The simulated database is what the state knows of it:
the site URL (wp_options siteurl/home, and in post content) and the content marker; a
preview counts matches per table, a replacement rewrites them and cannot be undone.
"""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import Environment
from .common import env_of

handlers = Handlers()


def _tables(env: Environment) -> dict[str, list[str]]:
    url = env.site_url or f"https://{env.primary_domain.name}"
    return {
        "wp_options": [url, url],
        "wp_posts": [
            env.db_marker,
            f'<a href="{url}/shop/">Shop</a>',
            f'<img src="{url}/wp-content/uploads/hero.jpg">',
        ],
        "wp_postmeta": [f"{url}/checkout/"],
    }


def _matches(env: Environment, search: str) -> list[dict[str, Any]]:
    counts = [(table, sum(row.count(search) for row in rows)) for table, rows in _tables(env).items()]
    return [{"table": table, "matches": n} for table, n in counts if n]


@handlers.add(
    "POST /sites/tools/search-and-replace",
    operation="search-and-replace:run",
    message="Search and replace in progress",
    activity="searchAndReplace",
    also_optional=("perform_replacement",),  # both tools send it; Kinsta defaults it to false (a preview)
)
def search_and_replace(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    search, replace = ctx.body["search"], ctx.body["replace"]
    if search == "":
        raise bad_request('"search" is not allowed to be empty')
    found = _matches(env, search)
    if not ctx.body.get("perform_replacement", False):
        total = sum(item["matches"] for item in found)
        return Reply(200, {"search_replace": {"search": search, "replace": replace, "matches": total, "tables": found}})

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        replaced = sum(item["matches"] for item in _matches(target, search))
        target.site_url = target.site_url.replace(search, replace)
        target.db_marker = target.db_marker.replace(search, replace)
        if ctx.body.get("is_clear_cache"):
            target.cache_cleared_at = ctx.now
        return {"replacements": replaced}

    return ctx.started(effect)
