"""The simulator's world: companies, sites, environments and everything on them (plain data)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from .extras import EnvironmentExtras


def ms(seconds: float) -> int:
    return int(seconds * 1000)


@dataclass
class User:
    id: str
    email: str
    full_name: str
    role: str = "company_owner"

    @property
    def image(self) -> str:
        return f"https://www.gravatar.com/avatar/{uuid.uuid5(uuid.NAMESPACE_URL, self.email).hex}"


@dataclass
class ApiKeyRecord:
    id: str
    name: str
    status: str = "active"
    expires_at: str | None = None


@dataclass
class Company:
    id: str
    name: str
    users: list[User] = field(default_factory=list)
    api_keys: list[ApiKeyRecord] = field(default_factory=list)


@dataclass
class Component:
    """A plugin or theme as WordPress reports it."""

    name: str
    title: str
    version: str
    status: str = "active"
    update_version: str | None = None
    update_status: str | None = None
    vulnerable: bool = False  # this installed version has a known vulnerability
    latest_vulnerable: bool = False  # so does the latest version (no fixed release yet)


@dataclass
class SiteDomain:
    id: str
    name: str
    env_id: str
    type: str  # "live" or "staging"
    is_active: bool = True
    uses_cloudflare_dns: bool = True
    is_wildcardless: bool = False


@dataclass
class Backup:
    id: int
    name: str
    note: str | None
    type: str  # manual, scheduled, system
    created_at: int  # ms
    env_id: str
    snapshot: dict[str, Any] = field(default_factory=dict)


@dataclass
class DownloadableBackup:
    id: str
    created_at: int
    expires_at: int
    download_link: str | None
    is_generation_in_progress: bool = False


@dataclass
class SftpAccount:
    id: str
    username: str
    password: str
    root_directory: str = "/"
    permission: str = "read"
    is_active: bool = True


@dataclass
class RedirectRule:
    from_: str
    to: str
    type: str = "redirect"
    domain: str | None = None
    traffic_from_country: str | None = None
    traffic_from_country_name: str | None = None
    traffic_from_city: str | None = None
    displayed_location: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_,
            "to": self.to,
            "type": self.type,
            "domain": self.domain,
            "traffic_from_country": self.traffic_from_country,
            "traffic_from_country_name": self.traffic_from_country_name,
            "traffic_from_city": self.traffic_from_city,
            "displayed_location": self.displayed_location,
        }


@dataclass
class Environment:
    id: str
    site_id: str
    name: str
    display_name: str
    container_id: str
    is_premium: bool = False
    is_blocked: bool = False
    is_wordpress: bool = True
    wordpress_version: str | None = "6.7.1"
    php_version: str = "8.2"
    is_opt_out_from_automatic_php_update: bool = False
    php_thread_count: int = 2
    php_thread_memory: int = 256
    web_root: str = "/"
    edge_cache_id: str | None = None
    edge_cache_enabled: bool = True
    cdn_cache_id: str | None = None
    image_optimization_type: str | None = "off"
    ssh_port: str = "22"
    ssh_ip: str = "35.184.0.10"
    is_ssh_enabled: bool = True
    is_password_auth_enabled: bool = True
    sftp_password: str = ""
    sftp_ip_allowlist: list[str] = field(default_factory=list)
    sftp_password_expiration: str = "never"
    is_additional_sftp_accounts_enabled: bool = False
    additional_sftp_port: str | None = None
    additional_sftp_accounts: list[SftpAccount] = field(default_factory=list)
    domains: list[SiteDomain] = field(default_factory=list)
    primary_domain_id: str | None = None
    plugins: list[Component] = field(default_factory=list)
    themes: list[Component] = field(default_factory=list)
    backups: list[Backup] = field(default_factory=list)
    downloadable_backups: list[DownloadableBackup] = field(default_factory=list)
    denied_ips: list[str] = field(default_factory=list)
    redirect_rules: list[RedirectRule] = field(default_factory=list)
    # Markers stand for the environment's database and file contents so pushes and restores show.
    db_marker: str = ""
    files_marker: str = ""
    site_url: str = ""
    restored_from_backup: int | None = None
    cache_cleared_at: float | None = None
    php_restarted_at: float | None = None
    failing: str | None = None  # the plugin (or "theme") its error log keeps showing a fatal error from
    extras: EnvironmentExtras = field(default_factory=EnvironmentExtras)

    @property
    def is_live(self) -> bool:
        return self.name == "live"

    @property
    def primary_domain(self) -> SiteDomain:
        for d in self.domains:
            if d.id == self.primary_domain_id:
                return d
        return self.domains[0]

    def component(self, kind: str, name: str) -> Component | None:
        items = self.plugins if kind == "plugin" else self.themes
        return next((c for c in items if c.name == name), None)

    def contents(self) -> dict[str, Any]:
        """What a backup or a push carries."""
        return {
            "db_marker": self.db_marker,
            "files_marker": self.files_marker,
            "plugins": copy.deepcopy(self.plugins),
            "themes": copy.deepcopy(self.themes),
            "wordpress_version": self.wordpress_version,
        }


@dataclass
class Site:
    id: str
    name: str
    display_name: str
    company_id: str
    region: str
    status: str = "live"
    labels: list[dict[str, str]] = field(default_factory=list)
    env_ids: list[str] = field(default_factory=list)
    is_multisite: bool = False
    usr: str = ""
    visits_this_month: int = 0
    bandwidth_this_month: int = 0
    cdn_bandwidth_this_month: int = 0


@dataclass
class DnsRecord:
    type: str
    name: str
    ttl: float
    values: list[str]


@dataclass
class DnsZone:
    id: str
    name: str
    company_id: str
    site_id: str | None
    is_active: bool = True
    records: list[DnsRecord] = field(default_factory=list)
