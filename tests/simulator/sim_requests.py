"""One valid request per live Kinsta operation, against the simulator's seeded data.

Keyed by "METHOD /template" (the document's identity for an operation). Values are the
seeded ids from `kinsta_mcp.simulator.seed`; nothing is copied from the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kinsta_mcp.simulator import seed as s


@dataclass(frozen=True)
class Sample:
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


LIVE = s.ACME_LIVE_ENV_ID
STAGING = s.ACME_STAGING_ENV_ID
SITE = s.ACME_SITE_ID
COMPANY = s.DEMO_COMPANY_ID
NEW_SITE = {
    "company": COMPANY,
    "display_name": "Fabrikam Store",
    "region": "us-central1",
    "install_mode": "new",
    "admin_email": "admin@fabrikam.example",
    "admin_password": "correct-horse-battery-9",
    "admin_user": "fabadmin",
    "site_title": "Fabrikam",
    "wp_language": "en_US",
    "woocommerce": True,
}
NEW_ENV = {
    "display_name": "Development",
    "site_title": "Acme Shop (dev)",
    "is_premium": False,
    "admin_email": "dev@acme-shop.com",
    "admin_password": "correct-horse-battery-9",
    "admin_user": "devadmin",
    "wp_language": "en_US",
}
RULE = {"domain": "acme-shop.com", "from": "/old-page", "to": "/new-page", "type": "permanent"}
SEEDED_RULE = {"domain": "acme-shop.com", "from": "/sale", "to": "/shop/sale/", "type": "redirect"}
ANALYTICS = {"company_id": COMPANY, "time_span": "7_days"}

VALID: dict[str, Sample] = {
    "GET /company/{id}/users": Sample(f"/company/{COMPANY}/users"),
    "GET /company/{id}/api-keys": Sample(f"/company/{COMPANY}/api-keys"),
    "GET /company/{id}/available-regions": Sample(f"/company/{COMPANY}/available-regions"),
    "GET /company/{id}/activity-logs": Sample(f"/company/{COMPANY}/activity-logs", {"limit": "5", "offset": "0"}),
    "GET /validate": Sample("/validate"),
    "GET /domains": Sample("/domains", {"company": COMPANY}),
    "GET /domains/{domain_id}/dns-records": Sample(f"/domains/{s.ACME_DNS_ZONE_ID}/dns-records"),
    "POST /domains/{domain_id}/dns-records": Sample(
        f"/domains/{s.ACME_DNS_ZONE_ID}/dns-records",
        body={"type": "A", "name": "shop.acme-shop.com", "ttl": 3600, "resource_records": [{"value": "35.190.24.18"}]},
    ),
    "PUT /domains/{domain_id}/dns-records": Sample(
        f"/domains/{s.ACME_DNS_ZONE_ID}/dns-records",
        body={"type": "A", "name": "acme-shop.com", "ttl": 600, "new_resource_records": [{"value": "35.190.24.19"}]},
    ),
    "DELETE /domains/{domain_id}/dns-records": Sample(
        f"/domains/{s.ACME_DNS_ZONE_ID}/dns-records", body={"type": "TXT", "name": "_dmarc.acme-shop.com"}
    ),
    "POST /sites/tools/clear-cache": Sample("/sites/tools/clear-cache", body={"environment_id": LIVE}),
    "POST /sites/tools/restart-php": Sample("/sites/tools/restart-php", body={"environment_id": LIVE}),
    "PUT /sites/tools/modify-php-version": Sample(
        "/sites/tools/modify-php-version", body={"environment_id": LIVE, "php_version": "8.3"}
    ),
    "POST /sites/clone": Sample(
        "/sites/clone", body={"company": COMPANY, "display_name": "Acme Shop copy", "source_env_id": LIVE}
    ),
    "POST /sites/plain": Sample(
        "/sites/plain", body={"company": COMPANY, "display_name": "Landing", "region": "europe-west1"}
    ),
    "POST /sites": Sample("/sites", body=NEW_SITE),
    "GET /sites": Sample("/sites", {"company": COMPANY, "include_environments": "true"}),
    "GET /sites/{site_id}": Sample(f"/sites/{SITE}"),
    "DELETE /sites/{site_id}": Sample(f"/sites/{s.NORTHWIND_SITE_ID}"),
    "GET /sites/environments/{env_id}/plugins": Sample(f"/sites/environments/{LIVE}/plugins"),
    "PUT /sites/environments/{env_id}/plugins": Sample(
        f"/sites/environments/{LIVE}/plugins", body={"name": "woocommerce", "update_version": "9.5.1"}
    ),
    "PUT /sites/environments/{env_id}/plugins/bulk-update": Sample(
        f"/sites/environments/{LIVE}/plugins/bulk-update", body={"plugins": [{"name": "akismet"}]}
    ),
    "GET /sites/environments/{env_id}/themes": Sample(f"/sites/environments/{LIVE}/themes"),
    "PUT /sites/environments/{env_id}/themes": Sample(
        f"/sites/environments/{LIVE}/themes", body={"name": "storefront", "update_version": "4.6.1"}
    ),
    "PUT /sites/environments/{env_id}/themes/bulk-update": Sample(
        f"/sites/environments/{LIVE}/themes/bulk-update", body={"themes": [{"name": "storefront"}]}
    ),
    "POST /sites/environments/{env_id}/domains": Sample(
        f"/sites/environments/{LIVE}/domains", body={"domain_name": "shop.acme-shop.com"}
    ),
    "DELETE /sites/environments/{env_id}/domains": Sample(
        f"/sites/environments/{LIVE}/domains", body={"domain_ids": [s.ACME_WWW_DOMAIN_ID]}
    ),
    "GET /sites/environments/{env_id}/domains": Sample(f"/sites/environments/{LIVE}/domains"),
    "GET /sites/environments/domains/{site_domain_id}/verification-records": Sample(
        f"/sites/environments/domains/{s.ACME_PRIMARY_DOMAIN_ID}/verification-records"
    ),
    "PUT /sites/environments/{env_id}/change-primary-domain": Sample(
        f"/sites/environments/{LIVE}/change-primary-domain",
        body={"domain_id": s.ACME_WWW_DOMAIN_ID, "run_search_and_replace": True},
    ),
    "GET /sites/{site_id}/environments": Sample(f"/sites/{SITE}/environments"),
    "POST /sites/{site_id}/environments": Sample(f"/sites/{SITE}/environments", body=NEW_ENV),
    "PUT /sites/{site_id}/environments": Sample(
        f"/sites/{SITE}/environments",
        body={"source_env_id": STAGING, "target_env_id": LIVE, "push_db": False, "push_files": True},
    ),
    "POST /sites/{site_id}/reset-site": Sample(
        f"/sites/{SITE}/reset-site", body={"admin_password": "correct-horse-battery-9"}
    ),
    "POST /sites/{site_id}/environments/plain": Sample(
        f"/sites/{SITE}/environments/plain", body={"display_name": "Sandbox", "is_premium": False}
    ),
    "POST /sites/{site_id}/environments/clone": Sample(
        f"/sites/{SITE}/environments/clone",
        body={"display_name": "QA", "is_premium": True, "source_env_id": LIVE},
    ),
    "DELETE /sites/environments/{env_id}": Sample(f"/sites/environments/{STAGING}"),
    "POST /sites/environments/{env_id}/change-environment-php-allocation": Sample(
        f"/sites/environments/{s.CONTOSO_STAGING_ENV_ID}/change-environment-php-allocation",
        body={"thread_count": 6, "thread_memory": 512},
    ),
    "POST /sites/environments/{env_id}/change-webroot-subfolder": Sample(
        f"/sites/environments/{LIVE}/change-webroot-subfolder", body={"web_root_subfolder": "/public"}
    ),
    "POST /sites/{site_id}/change-site-php-allocation": Sample(
        f"/sites/{SITE}/change-site-php-allocation", body={"thread_count": 4, "thread_memory": 256}
    ),
    "GET /sites/environments/{env_id}/file-list": Sample(f"/sites/environments/{LIVE}/file-list"),
    "POST /sites/edge-caching/clear": Sample(
        "/sites/edge-caching/clear", body={"environment_id": LIVE, "url": "https://acme-shop.com/shop/"}
    ),
    "PUT /sites/edge-caching/status": Sample(
        "/sites/edge-caching/status", body={"environment_id": LIVE, "enabled": False}
    ),
    "POST /sites/cdn/clear-cache": Sample(
        "/sites/cdn/clear-cache", body={"environment_id": LIVE, "cdn_cache_id": s.fixed_id(f"cdn:{LIVE}")}
    ),
    "PUT /sites/cdn/image-optimization": Sample(
        "/sites/cdn/image-optimization", body={"environment_id": LIVE, "image_optimization_type": "lossless"}
    ),
    "GET /sites/tools/denied-ips": Sample("/sites/tools/denied-ips", {"environment_id": LIVE}),
    "PUT /sites/tools/denied-ips": Sample(
        "/sites/tools/denied-ips", body={"environment_id": LIVE, "ip_list": ["203.0.113.66", "192.0.2.1"]}
    ),
    "GET /sites/environments/{env_id}/backups": Sample(f"/sites/environments/{LIVE}/backups"),
    "GET /sites/environments/{env_id}/downloadable-backups": Sample(f"/sites/environments/{LIVE}/downloadable-backups"),
    "POST /sites/environments/{target_env_id}/backups/restore": Sample(
        f"/sites/environments/{STAGING}/backups/restore",
        body={"backup_id": s.ACME_MANUAL_BACKUP_ID, "notified_user_id": s.OWNER_USER_ID},
    ),
    "POST /sites/environments/{env_id}/manual-backups": Sample(
        f"/sites/environments/{LIVE}/manual-backups", body={"tag": "before-checkout-redesign"}
    ),
    "DELETE /sites/environments/backups/{backup_id}": Sample(f"/sites/environments/backups/{s.ACME_MANUAL_BACKUP_ID}"),
    "GET /sites/environments/{env_id}/logs": Sample(
        f"/sites/environments/{LIVE}/logs", {"file_name": "error", "lines": "50"}
    ),
    "PUT /sites/environments/{env_id}/additional-sftp-accounts/toggle-status": Sample(
        f"/sites/environments/{LIVE}/additional-sftp-accounts/toggle-status", body={"enabled": False}
    ),
    "POST /sites/environments/{env_id}/additional-sftp-accounts": Sample(
        f"/sites/environments/{LIVE}/additional-sftp-accounts",
        body={"username": "acme-photographer", "password": "R8zXwTq2bVkJq9mLp4", "permission": "read"},
    ),
    "GET /sites/environments/{env_id}/additional-sftp-accounts": Sample(
        f"/sites/environments/{LIVE}/additional-sftp-accounts"
    ),
    "DELETE /sites/environments/additional-sftp-accounts/{sftp_account_id}": Sample(
        f"/sites/environments/additional-sftp-accounts/{s.ACME_SFTP_ACCOUNT_ID}"
    ),
    "GET /sites/environments/{env_id}/redirect-rules": Sample(
        f"/sites/environments/{LIVE}/redirect-rules", {"limit": "2", "key": "from", "order": "descend"}
    ),
    "POST /sites/environments/{env_id}/redirect-rules": Sample(
        f"/sites/environments/{LIVE}/redirect-rules", body={"action_type": "NEW", "new_value": RULE}
    ),
    "POST /sites/environments/{env_id}/ssh/set-status": Sample(
        f"/sites/environments/{LIVE}/ssh/set-status", body={"is_enabled": False}
    ),
    "GET /sites/environments/{env_id}/ssh/get-status": Sample(f"/sites/environments/{LIVE}/ssh/get-status"),
    "POST /sites/environments/{env_id}/ssh/set-password-status": Sample(
        f"/sites/environments/{LIVE}/ssh/set-password-status", body={"is_enabled": False}
    ),
    "POST /sites/environments/{env_id}/ssh/generate-password": Sample(
        f"/sites/environments/{LIVE}/ssh/generate-password"
    ),
    "GET /sites/environments/{env_id}/ssh/get-allowed-ips": Sample(f"/sites/environments/{LIVE}/ssh/get-allowed-ips"),
    "POST /sites/environments/{env_id}/ssh/set-allowed-ips": Sample(
        f"/sites/environments/{LIVE}/ssh/set-allowed-ips", body={"ip_allowlist": ["198.51.100.10", "10.0.0.0/8"]}
    ),
    "GET /sites/{site_id}/environments/{env_id}/ssh/config": Sample(f"/sites/{SITE}/environments/{LIVE}/ssh/config"),
    "POST /sites/environments/{env_id}/ssh/change-expiration-interval": Sample(
        f"/sites/environments/{LIVE}/ssh/change-expiration-interval", body={"exp_interval": "days_30"}
    ),
    "GET /sites/environments/{env_id}/ssh/password": Sample(f"/sites/environments/{LIVE}/ssh/password"),
    "GET /sites/{site_id}/usage/visits/this-month": Sample(f"/sites/{SITE}/usage/visits/this-month"),
    "GET /sites/{site_id}/usage/bandwidth/this-month": Sample(f"/sites/{SITE}/usage/bandwidth/this-month"),
    "GET /sites/{site_id}/usage/cdn-bandwidth/this-month": Sample(f"/sites/{SITE}/usage/cdn-bandwidth/this-month"),
    "GET /sites/environments/{env_id}/analytics/cdn-bandwidth": Sample(
        f"/sites/environments/{LIVE}/analytics/cdn-bandwidth", ANALYTICS
    ),
    "GET /sites/environments/{env_id}/analytics/visits": Sample(
        f"/sites/environments/{LIVE}/analytics/visits", {"company_id": COMPANY, "time_span": "24_hours"}
    ),
    "GET /sites/environments/{env_id}/analytics/bandwidth": Sample(
        f"/sites/environments/{LIVE}/analytics/bandwidth",
        {"company_id": COMPANY, "from": "2026-01-01", "to": "2026-01-14"},
    ),
    "GET /sites/environments/{env_id}/analytics/diskspace": Sample(
        f"/sites/environments/{LIVE}/analytics/diskspace", {**ANALYTICS, "time_zone": "-05:00"}
    ),
    "POST /sites/environments/{env_id}/run-wp-cli-command": Sample(
        f"/sites/environments/{LIVE}/run-wp-cli-command", body={"wp_command": "wp plugin list"}
    ),
    "POST /sites/environments/{env_id}/pma-login-token": Sample(f"/sites/environments/{LIVE}/pma-login-token"),
    "GET /operations/{operation_id}": Sample("/operations/{operation_id}"),  # filled in by the test
}

# The operations of the additions document (newer than 1.87.0).
OWNER_EMAIL = "alex.morgan@demo-agency.example"  # a seeded WordPress administrator everywhere
BREAKDOWNS = (
    "top-countries",
    "top-cities",
    "top-client-ips",
    "visits-dispersion",
    "response-codes",
    "top-uas",
    "top-browsers",
    "top-referrers",
    "top-hosts",
    "top-asns",
)
VALID |= {
    "GET /sites/environments/{env_id}/wpa-user-exists": Sample(
        f"/sites/environments/{LIVE}/wpa-user-exists", {"email": OWNER_EMAIL}
    ),
    "POST /sites/environments/{env_id}/wpa-create-user": Sample(
        f"/sites/environments/{LIVE}/wpa-create-user",
        body={"email": "jane.doe@acme-shop.com", "first_name": "Jane", "last_name": "Doe"},
    ),
    "POST /sites/environments/{env_id}/wpa-login-url": Sample(
        f"/sites/environments/{LIVE}/wpa-login-url", body={"email": OWNER_EMAIL}
    ),
    "GET /company/{id}/wp-plugins": Sample(
        f"/company/{COMPANY}/wp-plugins",
        {"column": "vulnerable", "order_by": '{"field":"environments","order":"descend"}', "limit": "10"},
    ),
    "GET /company/{id}/wp-themes": Sample(f"/company/{COMPANY}/wp-themes", {"column": "updatesAvailable"}),
    "GET /sites/environments/{env_id}/wp-plugins": Sample(
        f"/sites/environments/{LIVE}/wp-plugins", {"status": "active", "column": "updatesAvailable"}
    ),
    "GET /sites/environments/{env_id}/wp-themes": Sample(f"/sites/environments/{LIVE}/wp-themes"),
    **{
        f"GET /sites/environments/{{env_id}}/analytics/{metric}": Sample(
            f"/sites/environments/{LIVE}/analytics/{metric}", ANALYTICS
        )
        for metric in BREAKDOWNS
    },
    "GET /sites/environments/{env_id}/force-https-status": Sample(f"/sites/environments/{LIVE}/force-https-status"),
    "POST /sites/environments/{env_id}/force-https-status": Sample(
        f"/sites/environments/{LIVE}/force-https-status", body={"type": "ENABLED_FOR_ALL"}
    ),
    "POST /sites/tools/search-and-replace": Sample(
        "/sites/tools/search-and-replace",
        body={
            "environment_id": LIVE,
            "search": "acme-shop.com",
            "replace": "acme.example",
            "perform_replacement": False,
        },
    ),
    # Acme live's downloadable backup is in its cooldown (seeded): staging may request one.
    "POST /sites/environments/{env_id}/downloadable-backups": Sample(
        f"/sites/environments/{STAGING}/downloadable-backups"
    ),
    "GET /sites/environments/{env_id}/next-downloadable-backup-available": Sample(
        f"/sites/environments/{LIVE}/next-downloadable-backup-available"
    ),
    "GET /sites/environments/{env_id}/bot-protection/level": Sample(f"/sites/environments/{LIVE}/bot-protection/level"),
    "PUT /sites/environments/{env_id}/bot-protection/level": Sample(
        f"/sites/environments/{LIVE}/bot-protection/level", body={"level": "challenge-everyone"}
    ),
}
