"""One-click WordPress admin access (newer than 1.87.0): check an administrator, create one, a login link."""

from __future__ import annotations

import re

from ..extras import WpAdmin
from ..handling import Ctx, Handlers, Reply, bad_request, not_found
from ..world import Environment
from .common import env_of

handlers = Handlers()

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(raw: str) -> str:
    if not _EMAIL.match(raw):
        raise bad_request(f'"email" must be a valid email, got "{raw}"')
    return raw


def _wordpress(ctx: Ctx) -> Environment:
    env = env_of(ctx, ctx.path["env_id"])
    if not env.is_wordpress:
        raise bad_request("The environment does not run WordPress")
    return env


@handlers.add("GET /sites/environments/{env_id}/wpa-user-exists")
def user_exists(ctx: Ctx) -> Reply:
    env = _wordpress(ctx)
    return Reply(200, {"has_wp_admin_user": env.extras.admin(_email(ctx.query["email"])) is not None})


@handlers.add("POST /sites/environments/{env_id}/wpa-create-user", activity="createWpAdminUser")
def create_user(ctx: Ctx) -> Reply:
    env = _wordpress(ctx)
    email = _email(ctx.body["email"])
    if env.extras.admin(email) is not None:
        raise bad_request(f'A WordPress administrator with the email "{email}" already exists')
    env.extras.wp_admins.append(WpAdmin(email, ctx.body["first_name"], ctx.body["last_name"]))
    return Reply(200, {"create_wp_admin_user": True})


@handlers.add("POST /sites/environments/{env_id}/wpa-login-url", activity="generateWpAdminLoginLink")
def login_link(ctx: Ctx) -> Reply:
    env = _wordpress(ctx)
    email = _email(ctx.body["email"])
    if env.extras.admin(email) is None:
        raise not_found(f"WordPress administrator {email}")
    env.extras.login_links_issued += 1
    token = ctx.state.new_uuid().replace("-", "")
    return Reply(200, {"login_link": f"https://{env.primary_domain.name}/wp-login.php?kinsta-sso={token}"})
