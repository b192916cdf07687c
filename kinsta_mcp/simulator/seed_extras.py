"""Seeded demo data for the newer features, so `--demo` shows each of them.

- vulnerable plugins: Contact Form 7 5.8.3 (an update fixes it) on Northwind and Contoso,
  WP File Manager on Contoso staging whose latest version is vulnerable too;
- Force HTTPS: Acme live redirects to its primary domain, Contoso staging has it off;
- bot protection: Acme live challenges bots, Contoso live blocks automations, the rest the baseline;
- WordPress users: the company owner an administrator on every seeded environment, an Acme shop manager
  (administrator) and an Acme editor (not an administrator: no login link for them); `wp user list` shows
  these same users and emails;
- Acme live requested a downloadable backup minutes ago: the next is not available yet.
"""

from __future__ import annotations

from .extras import DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS, WpAdmin
from .seed import (
    ACME_LIVE_ENV_ID,
    CONTOSO_LIVE_ENV_ID,
    CONTOSO_STAGING_ENV_ID,
    NORTHWIND_LIVE_ENV_ID,
    fixed_id,
    plugin,
)
from .state import SimState
from .world import Component

OWNER_ADMIN = WpAdmin("alex.morgan@demo-agency.example", "Alex", "Morgan")


def _vulnerable(name: str, title: str, version: str, update: str | None, *, latest_too: bool = False) -> Component:
    component = plugin(name, title, version, update)
    component.vulnerable = True
    component.latest_vulnerable = latest_too
    return component


def seed_extras(state: SimState, now: float) -> None:
    for env in state.environments.values():
        env.extras.bot_protection_id = fixed_id(f"bot-protection:{env.id}")
        env.extras.wp_admins = [WpAdmin(OWNER_ADMIN.email, OWNER_ADMIN.first_name, OWNER_ADMIN.last_name)]

    acme = state.environments[ACME_LIVE_ENV_ID]
    acme.extras.force_https = "ENABLED_REDIRECT_TO_PRIMARY"
    acme.extras.bot_protection_level = "challenge-bots"
    acme.extras.wp_admins.append(WpAdmin("shop.manager@acme-shop.com", "Jordan", "Reyes"))
    acme.extras.wp_admins.append(WpAdmin("editor@acme-shop.com", "Casey", "Nguyen", role="editor"))
    acme.extras.next_downloadable_backup_at = now - 600 + DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS

    state.environments[NORTHWIND_LIVE_ENV_ID].plugins.append(
        _vulnerable("contact-form-7", "Contact Form 7", "5.8.3", "6.0.1")
    )
    contoso = state.environments[CONTOSO_LIVE_ENV_ID]
    contoso.plugins.append(_vulnerable("contact-form-7", "Contact Form 7", "5.8.3", "6.0.1"))
    contoso.extras.bot_protection_level = "block-automations"
    contoso_staging = state.environments[CONTOSO_STAGING_ENV_ID]
    contoso_staging.plugins.append(_vulnerable("wp-file-manager", "File Manager", "8.0.1", None, latest_too=True))
    contoso_staging.extras.force_https = "DISABLED"
