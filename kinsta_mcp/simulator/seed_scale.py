"""An agency-sized company: N more sites on top of the demo's (`--demo-sites N`).

Each added site is the same whatever N (its contents come from its number alone), so a test at
10 sites and a benchmark at 500 see the same first ten. The sites vary the way an agency's do:

- plugins drawn from a pool of popular ones, at older or current versions (pending updates; about
  a third of the sites are kept up to date),
  some active, some not; a few installed versions are vulnerable (an update fixes them), and one
  plugin's latest version is vulnerable too (no fixed release yet);
- themes, PHP and WordPress versions varied; most sites have a staging environment, some not;
- names are not unique: the second added site has the same display name as the first (and, like
  it, a live environment called "Live"), and the third a homoglyph of it (Cyrillic "С"), which is a
  different name. Site names (`client-site-001`, ...) stay unique as Kinsta keeps them.

`SCALE_SITES_MAX` bounds N: the simulator keeps everything in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kinsta_mcp.demo import DEMO_COMPANY_ID, fixed_id

from .seed import new_environment
from .state import SimState
from .world import Component, Environment, Site

__all__ = ["SCALE_SITES_MAX", "add_scale_sites", "scale_site_id"]

SCALE_SITES_MAX = 5000


@dataclass(frozen=True)
class _Package:
    name: str
    title: str
    versions: tuple[str, ...]  # oldest first; the last is the latest
    vulnerable: tuple[str, ...] = ()  # installed versions with a known vulnerability
    share: float = 0.5  # how many environments run it


PLUGINS = (
    _Package("akismet", "Akismet Anti-spam: Spam Protection", ("5.3.3", "5.3.5"), share=0.8),
    _Package("wordpress-seo", "Yoast SEO", ("23.9", "24.0", "24.1"), share=0.6),
    _Package("woocommerce", "WooCommerce", ("9.3.3", "9.4.2", "9.5.1"), share=0.35),
    _Package("contact-form-7", "Contact Form 7", ("5.8.3", "5.9.8", "6.0.1"), vulnerable=("5.8.3",), share=0.4),
    _Package("elementor", "Elementor Website Builder", ("3.25.4", "3.26.0"), vulnerable=("3.25.4",), share=0.3),
    _Package("jetpack", "Jetpack", ("14.0", "14.1", "14.2"), share=0.25),
    _Package("wp-mail-smtp", "WP Mail SMTP", ("4.1.1", "4.2.0"), share=0.3),
    _Package("wordfence", "Wordfence Security", ("7.11.7", "8.0.1"), share=0.35),
    _Package("classic-editor", "Classic Editor", ("1.6.5", "1.6.7"), share=0.2),
    _Package("redis-cache", "Redis Object Cache", ("2.5.3", "2.5.4"), share=0.15),
    _Package("query-monitor", "Query Monitor", ("3.16.4", "3.17.0"), share=0.1),
    _Package("wpforms-lite", "WPForms Lite", ("1.9.1.6", "1.9.2.2"), share=0.2),
    _Package("updraftplus", "UpdraftPlus", ("1.24.11", "1.24.12"), share=0.15),
    _Package("really-simple-ssl", "Really Simple SSL", ("9.0.2", "9.1.2"), vulnerable=("9.0.2",), share=0.15),
    _Package("advanced-custom-fields", "Advanced Custom Fields", ("6.3.10", "6.3.11"), share=0.25),
    _Package("wp-file-manager", "File Manager", ("8.0.1",), vulnerable=("8.0.1",), share=0.03),
    _Package("user-switching", "User Switching", ("1.9.1",), share=0.05),
    _Package("litespeed-cache", "LiteSpeed Cache", ("6.5.2", "6.5.4"), share=0.05),
)
# wp-file-manager's only (latest) version is vulnerable: no update fixes it.
LATEST_VULNERABLE = frozenset({"wp-file-manager"})

THEMES = (
    _Package("twentytwentyfive", "Twenty Twenty-Five", ("1.0",)),
    _Package("twentytwentyfour", "Twenty Twenty-Four", ("1.2", "1.3")),
    _Package("astra", "Astra", ("4.8.8", "4.8.10")),
    _Package("storefront", "Storefront", ("4.6.0", "4.6.1")),
    _Package("generatepress", "GeneratePress", ("3.5.0", "3.5.1")),
    _Package("kadence", "Kadence", ("1.2.9", "1.2.10")),
)
PHP_VERSIONS = ("8.0", "8.1", "8.2", "8.2", "8.3", "8.3")
WORDPRESS_VERSIONS = ("6.5.5", "6.6.2", "6.7.1", "6.7.1", "6.7.1")
REGIONS = ("us-central1", "us-east1", "europe-west1", "europe-west2", "asia-northeast1", "australia-southeast1")

HOMOGLYPH_C = "\u0421"  # CYRILLIC CAPITAL LETTER ES, looks like Latin C


def scale_site_id(n: int) -> str:
    """The id of the n-th added site (1-based)."""
    return fixed_id(f"site:client-site-{n:03d}")


def _display_name(n: int) -> str:
    if n == 2:
        return _display_name(1)  # a duplicate: the same display name as the first
    if n == 3:
        return HOMOGLYPH_C + _display_name(1)[1:]  # a homoglyph: looks the same, is not
    return f"Client Site {n:03d}"


def _component(rng: random.Random, package: _Package, *, status: str = "active", kept: bool = False) -> Component:
    version = package.versions[-1] if kept else rng.choice(package.versions)
    latest = package.versions[-1]
    return Component(
        name=package.name,
        title=package.title,
        version=version,
        status=status,
        update_version=latest if version != latest else None,
        vulnerable=version in package.vulnerable,
        latest_vulnerable=package.name in LATEST_VULNERABLE,
    )


def _fill(rng: random.Random, env: Environment, kept: bool) -> None:
    """Plugins and themes; a `kept` environment is up to date (a vulnerable latest version aside)."""
    env.php_version = rng.choice(PHP_VERSIONS)
    env.wordpress_version = WORDPRESS_VERSIONS[-1] if kept else rng.choice(WORDPRESS_VERSIONS)
    env.plugins = [
        _component(rng, p, status="active" if rng.random() < 0.85 else "inactive", kept=kept)
        for p in PLUGINS
        if rng.random() < p.share
    ]
    active, *others = rng.sample(THEMES, k=rng.randint(1, 3))
    env.themes = [_component(rng, active, kept=kept)] + [
        _component(rng, t, status="inactive", kept=kept) for t in others
    ]


def add_scale_sites(state: SimState, count: int, company_id: str = DEMO_COMPANY_ID) -> list[str]:
    """Add `count` sites (1..SCALE_SITES_MAX) to the company; their ids back."""
    if not 0 <= count <= SCALE_SITES_MAX:
        raise ValueError(f"extra sites: give 0 to {SCALE_SITES_MAX}, not {count}")
    ids = []
    for n in range(1, count + 1):
        rng = random.Random(f"kinsta-scale-site-{n}")
        name = f"client-site-{n:03d}"
        site = Site(scale_site_id(n), name, _display_name(n), company_id, rng.choice(REGIONS), usr=name[:16])
        site.visits_this_month = rng.randrange(500, 250_000)
        state.sites[site.id] = site
        live = new_environment(
            state, site, env_id=fixed_id(f"env:{name}:live"), name="live", display_name="Live",
            domain_name=f"{name}.kinsta.cloud", ssh_port=45_000 + n % 10_000,
        )  # fmt: skip
        kept = rng.random() < 0.3  # a third of an agency's sites are kept up to date
        _fill(rng, live, kept)
        # The duplicate (site 2) has no staging: its "Live" is the one environment it shares names with.
        if n != 2 and rng.random() < 0.8:
            staging = new_environment(
                state, site, env_id=fixed_id(f"env:{name}:staging"), name="staging", display_name="Staging",
                domain_name=f"stg-{name}.kinsta.cloud", ssh_port=55_000 + n % 10_000,
            )  # fmt: skip
            _fill(rng, staging, kept)
        ids.append(site.id)
    return ids
