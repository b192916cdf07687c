"""Seeded demo data: a small agency company with three WordPress sites.

Every id is fixed (uuid5 of a readable name), so tests and docs can rely on them.
"""

from __future__ import annotations

from kinsta_mcp.demo import DEMO_API_KEY as DEMO_API_KEY
from kinsta_mcp.demo import DEMO_COMPANY_ID as DEMO_COMPANY_ID
from kinsta_mcp.demo import fixed_id as fixed_id

from .state import Activity, SimState
from .world import (
    ApiKeyRecord,
    Backup,
    Company,
    Component,
    DnsRecord,
    DnsZone,
    DownloadableBackup,
    Environment,
    RedirectRule,
    SftpAccount,
    Site,
    SiteDomain,
    User,
    ms,
)

DEMO_API_KEY_ID = fixed_id("api-key:demo")

OWNER_USER_ID = fixed_id("user:alex")
DEVELOPER_USER_ID = fixed_id("user:priya")
ADMIN_USER_ID = fixed_id("user:sam")

ACME_SITE_ID = fixed_id("site:acme-shop")
ACME_LIVE_ENV_ID = fixed_id("env:acme-shop:live")
ACME_STAGING_ENV_ID = fixed_id("env:acme-shop:staging")
NORTHWIND_SITE_ID = fixed_id("site:northwind-blog")
NORTHWIND_LIVE_ENV_ID = fixed_id("env:northwind-blog:live")
NORTHWIND_STAGING_ENV_ID = fixed_id("env:northwind-blog:staging")
CONTOSO_SITE_ID = fixed_id("site:contoso-network")
CONTOSO_LIVE_ENV_ID = fixed_id("env:contoso-network:live")
CONTOSO_STAGING_ENV_ID = fixed_id("env:contoso-network:staging")

ACME_PRIMARY_DOMAIN_ID = fixed_id("site-domain:acme-shop.com")
ACME_WWW_DOMAIN_ID = fixed_id("site-domain:www.acme-shop.com")
ACME_DNS_ZONE_ID = fixed_id("dns-zone:acme-shop.com")
NORTHWIND_DNS_ZONE_ID = fixed_id("dns-zone:northwindblog.com")

ACME_MANUAL_BACKUP_ID = 180_000_101
ACME_SCHEDULED_BACKUP_ID = 180_000_102
ACME_SYSTEM_BACKUP_ID = 180_000_103
ACME_SFTP_ACCOUNT_ID = fixed_id("sftp:acme-shop:live:designer")

DAY = 86_400.0

REGIONS = [
    ("us-central1", "Iowa US (us-central1)"),
    ("us-east1", "South Carolina US (us-east1)"),
    ("us-east4", "Northern Virginia US (us-east4)"),
    ("us-west1", "Oregon US (us-west1)"),
    ("us-south1", "Dallas US (us-south1)"),
    ("northamerica-northeast1", "Montréal CA (northamerica-northeast1)"),
    ("europe-west1", "St. Ghislain BE (europe-west1)"),
    ("europe-west2", "London UK (europe-west2)"),
    ("europe-west3", "Frankfurt DE (europe-west3)"),
    ("asia-northeast1", "Tokyo JP (asia-northeast1)"),
    ("australia-southeast1", "Sydney AU (australia-southeast1)"),
]


def plugin(name: str, title: str, version: str, update: str | None = None, status: str = "active") -> Component:
    return Component(name=name, title=title, version=version, status=status, update_version=update)


def default_plugins() -> list[Component]:
    """What a fresh WordPress install has."""
    return [
        plugin("akismet", "Akismet Anti-spam: Spam Protection", "5.3.5", status="inactive"),
        plugin("hello-dolly", "Hello Dolly", "1.7.2", status="inactive"),
    ]


def default_themes() -> list[Component]:
    return [
        plugin("twentytwentyfive", "Twenty Twenty-Five", "1.0"),
        plugin("twentytwentyfour", "Twenty Twenty-Four", "1.3", status="inactive"),
    ]


def new_environment(
    state: SimState,
    site: Site,
    *,
    env_id: str,
    name: str,
    display_name: str,
    domain_name: str,
    is_premium: bool = False,
    domain_id: str | None = None,
    ssh_port: int = 42_001,
) -> Environment:
    """An environment with its kinsta.cloud (or given) primary domain and default contents."""
    dom = SiteDomain(
        id=domain_id or fixed_id(f"site-domain:{domain_name}"),
        name=domain_name,
        env_id=env_id,
        type="live" if name == "live" else "staging",
    )
    env = Environment(
        id=env_id,
        site_id=site.id,
        name=name,
        display_name=display_name,
        container_id=fixed_id(f"container:{env_id}"),
        is_premium=is_premium,
        edge_cache_id=fixed_id(f"edge:{env_id}"),
        cdn_cache_id=fixed_id(f"cdn:{env_id}"),
        ssh_port=str(ssh_port),
        sftp_password=fixed_id(f"sftp-password:{env_id}").replace("-", "")[:20],
        additional_sftp_port=str(ssh_port + 1000),
        domains=[dom],
        primary_domain_id=dom.id,
        plugins=default_plugins(),
        themes=default_themes(),
        db_marker=f"{site.name}/{name}: fresh install",
        files_marker=f"{site.name}/{name}: fresh install",
        site_url=f"https://{domain_name}",
    )
    state.environments[env.id] = env
    site.env_ids.append(env.id)
    return env


def _backups(state: SimState, env: Environment, now: float, first_id: int, manual_tag: str | None) -> None:
    site = state.site_of(env)
    stamp = int(now - DAY)
    items = [(first_id + 1, "scheduled", "Daily Auto Backup", now - 0.5 * DAY)]
    if manual_tag is not None:
        items.insert(0, (first_id, "manual", manual_tag, now - 3 * DAY))
    items += [
        (first_id + 2, "system", "Before plugin update", now - 2 * DAY),
        (first_id + 3, "scheduled", "Daily Auto Backup", now - 1.5 * DAY),
        (first_id + 4, "scheduled", "Daily Auto Backup", now - 2.5 * DAY),
    ]
    for backup_id, kind, note, created in items:
        env.backups.append(
            Backup(
                id=backup_id,
                name=f"{site.name}-{stamp}-{kind}",
                note=note,
                type=kind,
                created_at=ms(created),
                env_id=env.id,
                snapshot={**env.contents(), "db_marker": f"{site.name}/{env.name}: backup {backup_id}"},
            )
        )


def seed(state: SimState, now: float) -> None:
    company = Company(
        id=DEMO_COMPANY_ID,
        name="Demo Agency",
        users=[
            User(OWNER_USER_ID, "alex.morgan@demo-agency.example", "Alex Morgan", "company_owner"),
            User(ADMIN_USER_ID, "sam.lee@demo-agency.example", "Sam Lee", "company_admin"),
            User(DEVELOPER_USER_ID, "priya.shah@demo-agency.example", "Priya Shah", "company_developer"),
        ],
        api_keys=[
            ApiKeyRecord(DEMO_API_KEY_ID, "Demo API key"),
            ApiKeyRecord(fixed_id("api-key:ci"), "CI deploy key", expires_at="2026-12-31T23:59:59.000Z"),
            ApiKeyRecord(fixed_id("api-key:old"), "Old integration", status="revoked"),
        ],
    )
    state.companies[company.id] = company
    state.regions = list(REGIONS)

    # Acme Shop: a WooCommerce store with pending plugin updates.
    acme = Site(
        ACME_SITE_ID,
        "acme-shop",
        "Acme Shop",
        DEMO_COMPANY_ID,
        "us-central1",
        labels=[{"id": fixed_id("label:ecommerce"), "name": "E-commerce"}],
        usr="acmeshop",
        visits_this_month=48_213,
        bandwidth_this_month=91_482_736_128,
        cdn_bandwidth_this_month=214_748_364_800,
    )
    state.sites[acme.id] = acme
    live = new_environment(
        state,
        acme,
        env_id=ACME_LIVE_ENV_ID,
        name="live",
        display_name="Live",
        domain_name="acmeshop.kinsta.cloud",
        ssh_port=42_101,
    )
    for dom_id, dom_name in ((ACME_PRIMARY_DOMAIN_ID, "acme-shop.com"), (ACME_WWW_DOMAIN_ID, "www.acme-shop.com")):
        live.domains.append(SiteDomain(dom_id, dom_name, live.id, "live"))
    live.primary_domain_id = ACME_PRIMARY_DOMAIN_ID
    live.site_url = "https://acme-shop.com"
    live.php_version = "8.2"
    live.image_optimization_type = "lossy"
    live.plugins = [
        plugin("woocommerce", "WooCommerce", "9.4.2", "9.5.1"),
        plugin("wordpress-seo", "Yoast SEO", "23.9", "24.1"),
        plugin("akismet", "Akismet Anti-spam: Spam Protection", "5.3.3", "5.3.5"),
        plugin("woocommerce-gateway-stripe", "WooCommerce Stripe Payment Gateway", "8.9.0", "9.0.0"),
        plugin("wp-mail-smtp", "WP Mail SMTP", "4.2.0"),
        plugin("query-monitor", "Query Monitor", "3.16.4", status="inactive"),
    ]
    live.themes = [
        plugin("storefront", "Storefront", "4.6.0", "4.6.1"),
        plugin("twentytwentyfive", "Twenty Twenty-Five", "1.0", status="inactive"),
    ]
    live.failing = "woocommerce-gateway-stripe"
    live.db_marker = "acme-shop/live: 1,284 orders"
    live.files_marker = "acme-shop/live: release 2026.01"
    live.denied_ips = ["203.0.113.66", "198.51.100.0/24"]
    live.sftp_ip_allowlist = []
    live.is_additional_sftp_accounts_enabled = True
    live.additional_sftp_accounts = [
        SftpAccount(ACME_SFTP_ACCOUNT_ID, "acme-designer", "", root_directory="/wp-content/uploads", permission="write")
    ]
    live.redirect_rules = [
        RedirectRule("/shop-old", "/shop", "permanent", "acme-shop.com"),
        RedirectRule("/sale", "/shop/sale/", "redirect", "acme-shop.com"),
        RedirectRule("^/blog/(.*)$", "https://blog.acme-shop.com/$1", "permanent", None),
        RedirectRule(
            "/",
            "https://acme-shop.com/en-us/",
            "redirect",
            "acme-shop.com",
            "US",
            "United States",
            None,
            "United States",
        ),
    ]
    staging = new_environment(
        state,
        acme,
        env_id=ACME_STAGING_ENV_ID,
        name="staging",
        display_name="Staging",
        domain_name="stg-acmeshop-staging.kinsta.cloud",
        ssh_port=42_102,
    )
    staging.plugins = [
        plugin("woocommerce", "WooCommerce", "9.5.1"),
        plugin("wordpress-seo", "Yoast SEO", "23.9", "24.1"),
        plugin("akismet", "Akismet Anti-spam: Spam Protection", "5.3.3", "5.3.5"),
        plugin("woocommerce-gateway-stripe", "WooCommerce Stripe Payment Gateway", "9.0.0"),
        plugin("wp-mail-smtp", "WP Mail SMTP", "4.2.0"),
        plugin("query-monitor", "Query Monitor", "3.16.4"),
    ]
    staging.themes = [plugin("storefront", "Storefront", "4.6.1")]
    staging.db_marker = "acme-shop/staging: copy of live from 2026-01-10"
    staging.files_marker = "acme-shop/staging: release 2026.02-rc1"
    _backups(state, live, now, ACME_MANUAL_BACKUP_ID, "before-woocommerce-9.4")
    _backups(state, staging, now, 180_000_201, None)
    live.downloadable_backups = [
        DownloadableBackup(
            fixed_id("download:acme-shop:1"),
            ms(now - 4 * DAY),
            ms(now + 3 * DAY),
            "https://downloads.kinsta.example/acme-shop/backup-20260111.zip",
        ),
        DownloadableBackup(fixed_id("download:acme-shop:2"), ms(now - 600), ms(now + 7 * DAY), None, True),
    ]

    # Northwind Blog: a content site in Europe.
    northwind = Site(
        NORTHWIND_SITE_ID,
        "northwind-blog",
        "Northwind Blog",
        DEMO_COMPANY_ID,
        "europe-west1",
        usr="northwindblog",
        visits_this_month=12_904,
        bandwidth_this_month=18_253_611_008,
        cdn_bandwidth_this_month=42_949_672_960,
    )
    state.sites[northwind.id] = northwind
    nw_live = new_environment(
        state,
        northwind,
        env_id=NORTHWIND_LIVE_ENV_ID,
        name="live",
        display_name="Live",
        domain_name="northwindblog.com",
        ssh_port=42_201,
    )
    nw_live.domains.append(
        SiteDomain(fixed_id("site-domain:northwindblog.kinsta.cloud"), "northwindblog.kinsta.cloud", nw_live.id, "live")
    )
    nw_live.php_version = "8.1"
    nw_live.site_url = "https://northwindblog.com"
    nw_live.plugins = [
        plugin("wordpress-seo", "Yoast SEO", "24.1"),
        plugin("akismet", "Akismet Anti-spam: Spam Protection", "5.3.5"),
        plugin("classic-editor", "Classic Editor", "1.6.5", "1.6.7"),
        plugin("jetpack", "Jetpack", "14.1", "14.2"),
    ]
    nw_live.themes = [
        plugin("twentytwentyfour", "Twenty Twenty-Four", "1.2", "1.3"),
        plugin("astra", "Astra", "4.8.8", status="inactive"),
    ]
    nw_live.failing = "jetpack"
    nw_live.db_marker = "northwind-blog/live: 312 posts"
    nw_staging = new_environment(
        state,
        northwind,
        env_id=NORTHWIND_STAGING_ENV_ID,
        name="staging",
        display_name="Staging",
        domain_name="stg-northwindblog-staging.kinsta.cloud",
        ssh_port=42_202,
    )
    _backups(state, nw_live, now, 180_000_301, "pre-redesign")
    _backups(state, nw_staging, now, 180_000_401, None)

    # Contoso Network: a subdomain multisite.
    contoso = Site(
        CONTOSO_SITE_ID,
        "contoso-network",
        "Contoso Network",
        DEMO_COMPANY_ID,
        "us-east1",
        is_multisite=True,
        usr="contosonetwork",
        visits_this_month=103_377,
        bandwidth_this_month=205_084_213_248,
        cdn_bandwidth_this_month=511_101_108_224,
    )
    state.sites[contoso.id] = contoso
    ct_live = new_environment(
        state,
        contoso,
        env_id=CONTOSO_LIVE_ENV_ID,
        name="live",
        display_name="Live",
        domain_name="contoso.net",
        ssh_port=42_301,
    )
    for sub in ("news.contoso.net", "shop.contoso.net"):
        ct_live.domains.append(SiteDomain(fixed_id(f"site-domain:{sub}"), sub, ct_live.id, "live"))
    ct_live.site_url = "https://contoso.net"
    ct_live.php_version = "8.3"
    ct_live.is_premium = False
    ct_live.plugins = [
        plugin("akismet", "Akismet Anti-spam: Spam Protection", "5.3.3", "5.3.5"),
        plugin("wordpress-seo", "Yoast SEO", "24.0", "24.1"),
        plugin("user-switching", "User Switching", "1.9.1"),
        plugin("redis-cache", "Redis Object Cache", "2.5.4"),
    ]
    ct_live.themes = [plugin("twentytwentythree", "Twenty Twenty-Three", "1.5", "1.6")]
    ct_live.failing = "redis-cache"
    ct_live.db_marker = "contoso-network/live: 14 subsites"
    ct_staging = new_environment(
        state,
        contoso,
        env_id=CONTOSO_STAGING_ENV_ID,
        name="staging",
        display_name="Staging",
        domain_name="stg-contosonetwork-staging.kinsta.cloud",
        is_premium=True,
        ssh_port=42_302,
    )
    ct_staging.php_thread_count = 4
    ct_staging.failing = "theme"
    _backups(state, ct_live, now, 180_000_501, "before-network-upgrade")
    _backups(state, ct_staging, now, 180_000_601, None)

    _history(state, company, now)

    # DNS zones hosted by Kinsta DNS.
    state.dns_zones[ACME_DNS_ZONE_ID] = DnsZone(
        ACME_DNS_ZONE_ID,
        "acme-shop.com",
        DEMO_COMPANY_ID,
        ACME_SITE_ID,
        records=[
            DnsRecord("A", "acme-shop.com", 3600, ["35.190.24.17"]),
            DnsRecord("CNAME", "www.acme-shop.com", 3600, ["acme-shop.com"]),
            DnsRecord("MX", "acme-shop.com", 3600, ["1 aspmx.l.google.com", "5 alt1.aspmx.l.google.com"]),
            DnsRecord("TXT", "acme-shop.com", 3600, ['"v=spf1 include:_spf.google.com ~all"']),
            DnsRecord(
                "TXT", "_dmarc.acme-shop.com", 3600, ['"v=DMARC1; p=quarantine; rua=mailto:dmarc@acme-shop.com"']
            ),
        ],
    )
    state.dns_zones[NORTHWIND_DNS_ZONE_ID] = DnsZone(
        NORTHWIND_DNS_ZONE_ID,
        "northwindblog.com",
        DEMO_COMPANY_ID,
        NORTHWIND_SITE_ID,
        records=[
            DnsRecord("A", "northwindblog.com", 3600, ["35.205.11.42"]),
            DnsRecord("CNAME", "www.northwindblog.com", 3600, ["northwindblog.com"]),
        ],
    )
    state.dns_zones[fixed_id("dns-zone:contoso-old.org")] = DnsZone(
        fixed_id("dns-zone:contoso-old.org"), "contoso-old.org", DEMO_COMPANY_ID, None, is_active=False
    )


def _history(state: SimState, company: Company, now: float) -> None:
    """The past week in the activity log: who did what (people in MyKinsta, and an API key), oldest first."""
    people = {u.id: u for u in company.users}
    ci_key = company.api_keys[1]
    done = [
        # days ago, who (user id or None for the CI key), site, type, description, failed with
        (6.2, OWNER_USER_ID, ACME_SITE_ID, "updatePlugin", 'Update plugin "WooCommerce" to 9.4.2 on Live', None),
        (5.1, DEVELOPER_USER_ID, NORTHWIND_SITE_ID, "addManualBackup", 'Create backup "pre-redesign" of Live', None),
        (4.3, ADMIN_USER_ID, ACME_SITE_ID, "addSiteDomain", 'Add domain "www.acme-shop.com" to Live', None),
        (3.0, None, CONTOSO_SITE_ID, "clearCache", "Clear cache of Live", None),
        (2.4, DEVELOPER_USER_ID, CONTOSO_SITE_ID, "modifyPhpVersion", "Change PHP version of Live to 8.3", None),
        (1.2, ADMIN_USER_ID, ACME_SITE_ID, "addSftpUser", 'Add SFTP account "acme-designer" to Live', None),
        (
            0.6,
            OWNER_USER_ID,
            NORTHWIND_SITE_ID,
            "restoreBackup",
            "Restore backup to Staging",
            "The environment is blocked by another process. Please try again a bit later.",
        ),
    ]
    for number, (days, user_id, site_id, kind, description, error) in enumerate(done, 1):
        user = people.get(user_id) if user_id else None
        state.activities.append(
            Activity(
                id=34_180_000 + number,
                company_id=company.id,
                site_id=site_id,
                created_at=ms(now - days * DAY),
                type=kind,
                category="siteActions",
                description=description,
                api_key_id=None if user else ci_key.id,
                api_key_name=None if user else ci_key.name,
                has_failed=error is not None,
                public_error=error,
                initiated_by=(
                    {
                        "id": user.id,
                        "role": user.role,
                        "full_name": user.full_name,
                        "first_name": user.full_name.split()[0],
                    }
                    if user
                    else None
                ),
                ip_address="198.51.100.14" if user else "34.122.9.81",
            )
        )
