"""Generated content: log lines, analytics series, WP-CLI output and file trees.

Deterministic (seeded by ids and dates) so the same request gives the same answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .world import Environment, Site

# Everyday noise, each naming where it comes from ({plugin}: one of the environment's active plugins).
_PHP_NOISE = [
    'PHP Warning:  Undefined array key "billing_phone" in {root}/wp-content/plugins/{plugin}/includes/'
    "class-settings.php on line 412",
    "PHP Notice:  Function _load_textdomain_just_in_time was called <strong>incorrectly</strong>. Translation "
    "loading for the <code>{plugin}</code> domain was triggered too early. in {root}/wp-includes/"
    "functions.php on line 6114",
    'PHP Warning:  Attempt to read property "ID" on null in {root}/wp-content/themes/{theme}/inc/template-tags.php '
    "on line 88",
    "PHP Deprecated:  Creation of dynamic property Plugin_Loader::$cache is deprecated in "
    "{root}/wp-content/plugins/{plugin}/src/Loader.php on line 61",
    "PHP Warning:  file_get_contents(https://api.example-feeds.com/v1/items): Failed to open stream: HTTP request "
    "failed! HTTP/1.1 503 Service Unavailable in {root}/wp-content/plugins/{plugin}/lib/feed.php on line 1304",
]
# The error an environment keeps hitting (Environment.failing): the same message over and over, in the
# plugin's or theme's own files, so diagnosis can name it. Each seeded site fails in a different one.
FAILURES = {
    "woocommerce-gateway-stripe": "PHP Fatal error:  Uncaught TypeError: WC_Stripe_Intent_Controller::"
    "get_payment_intent(): Argument #1 ($order) must be of type WC_Order, bool given in {root}/wp-content/plugins/"
    "woocommerce-gateway-stripe/includes/class-wc-stripe-intent-controller.php:244",
    "jetpack": "PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted (tried to allocate 20480 bytes) "
    "in {root}/wp-content/plugins/jetpack/modules/related-posts/jetpack-related-posts.php on line 1187",
    "redis-cache": "PHP Fatal error:  Uncaught RedisException: Connection refused in {root}/wp-content/plugins/"
    "redis-cache/includes/object-cache.php:1532",
    "theme": "PHP Fatal error:  Uncaught Error: Call to undefined function wc_get_cart_url() in {root}/wp-content/"
    "themes/{theme}/header.php:42",
}
_PAGES = ["/", "/shop/", "/cart/", "/checkout/", "/wp-login.php", "/feed/", "/wp-json/wp/v2/posts", "/about/"]
_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "WordPress/6.7.1; https://{host}",
]
_CLIENTS = ["203.0.113.7", "198.51.100.23", "192.0.2.141", "203.0.113.88", "198.51.100.250"]


def _n(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


LOG_INTERVAL = 37  # seconds between two simulated log lines
_LOG_SCAN = 400_000  # how far back (in lines) a search or time window looks


def log_lines(
    kind: str,
    site: Site,
    env: Environment,
    lines: int,
    now: float,
    start: float | None = None,
    end: float | None = None,
    search: str | None = None,
) -> str:
    """The last `lines` lines of a log within [start, end] that contain `search` (any case), newest last.

    A line belongs to a fixed moment (one every LOG_INTERVAL seconds), so the same moment always
    shows the same line, whatever window or count is asked for.
    """
    count = max(0, min(int(lines), 20_000))
    newest = int(min(now, end) if end is not None else now) // LOG_INTERVAL
    needle = search.casefold() if search else None
    out: list[str] = []
    slot = newest
    while len(out) < count and newest - slot < _LOG_SCAN:
        t = slot * LOG_INTERVAL
        if start is not None and t < start:
            break
        line = _log_line(kind, site, env, slot, t)
        if needle is None or needle in line.casefold():
            out.append(line)
        slot -= 1
    return "\n".join(reversed(out))


def _log_line(kind: str, site: Site, env: Environment, slot: int, t: float) -> str:
    host = env.primary_domain.name
    root = f"/www/{site.usr or site.name}_{_n(site.id) % 900 + 100}/public"
    theme = next((th.name for th in env.themes if th.status == "active"), "twentytwentyfive")
    active = [p.name for p in env.plugins if p.status == "active"] or ["akismet"]
    seed = _n(env.id, kind, slot)
    client = _CLIENTS[seed % len(_CLIENTS)]
    page = _PAGES[seed % len(_PAGES)]
    if kind == "error":
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(t))
        if env.failing is not None and seed % 3 == 0:
            message = FAILURES[env.failing].format(root=root, theme=theme)
        else:
            noise = _PHP_NOISE[seed % len(_PHP_NOISE)]
            message = noise.format(root=root, theme=theme, plugin=active[(seed // 7) % len(active)])
        return (
            f"{stamp} [error] {seed % 900 + 100}#{seed % 900 + 100}: *{seed % 99_999} FastCGI sent in stderr: "
            f'"PHP message: {message}" while reading response header from upstream, client: {client}, '
            f'server: {host}, request: "GET {page} HTTP/2.0", upstream: '
            f'"fastcgi://unix:/var/run/php{env.php_version}-fpm-{site.name}.sock:", host: "{host}"'
        )
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
    if kind == "access":
        status = (200, 200, 200, 301, 304, 404, 200, 502)[seed % 8]
        agent = _AGENTS[seed % len(_AGENTS)].format(host=host)
        return (
            f'{host} {client} [{stamp}] GET "{page}" HTTP/2.0 {status} "-" "{agent}" {client} "{page}" - - '
            f"{seed % 50_000 + 300} {(seed % 900) / 1000:.3f} {(seed % 700) / 1000:.3f}"
        )
    cache = ("HIT", "MISS", "BYPASS", "HIT", "EXPIRED")[seed % 5]
    return f'{stamp} {host} "{page}" {cache} {(seed % 1200) / 1000:.3f} {seed % 40_000 + 500}'


ANALYTICS_KEYS = {"visits": "uniqueip", "bandwidth": "bandwidth", "cdn-bandwidth": "cdn-bandwidth"}
ANALYTICS_KEYS["diskspace"] = "diskSpaceUsage"
_SPANS = {"24_hours": 24, "7_days": 7, "30_days": 30, "60_days": 60}


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def analytics(
    metric: str, env: Environment, span: str | None, start: date | None, end: date | None, now: float
) -> dict[str, Any]:
    """`{"analytics": {"analytics_response": ...}}` for a metric over a span or a date range."""
    key = ANALYTICS_KEYS[metric]
    today = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0)
    points: list[datetime]
    if start is not None and end is not None:
        days = (end - start).days + 1
        points = [datetime(start.year, start.month, start.day) + timedelta(days=d) for d in range(days)]
    elif span == "24_hours":
        points = [today.replace(tzinfo=None) - timedelta(hours=h) for h in range(23, -1, -1)]
    else:
        n = _SPANS.get(span or "7_days", 7)
        midnight = today.replace(hour=0, tzinfo=None)
        points = [midnight - timedelta(days=d) for d in range(n - 1, -1, -1)]
    scale = {"uniqueip": 1_800, "bandwidth": 3_200_000_000, "cdn-bandwidth": 7_500_000_000}.get(key, 0)
    values: list[int] = []
    for p in points:
        if key == "diskSpaceUsage":
            values.append(2_147_483_648 + (p.toordinal() - 739_000) * 4_194_304 + _n(env.id, "disk") % 1_000_000)
        else:
            per = scale // 24 if span == "24_hours" and start is None else scale
            values.append(per // 2 + _n(env.id, key, p.isoformat()) % max(per, 1))
    total = values[-1] if key == "diskSpaceUsage" and values else sum(values)
    dataset: list[dict[str, Any]] = [
        {"key": p.strftime("%Y-%m-%dT%H:%M:%S"), "value": str(v)} for p, v in zip(points, values, strict=True)
    ]
    return {
        "analytics": {"analytics_response": {"key": key, "data": [{"name": key, "total": total, "dataset": dataset}]}}
    }


def file_tree(env: Environment) -> list[dict[str, Any]]:
    """wp-content as Kinsta lists it: two levels of children."""

    def folder(name: str, path: str, items: list[str]) -> dict[str, Any]:
        return {"name": name, "path": path, "children": [{"name": i, "path": f"{path}/{i}"} for i in items]}

    return [
        {
            "name": "wp-content",
            "path": "wp-content",
            "children": [
                folder("plugins", "wp-content/plugins", [p.name for p in env.plugins]),
                folder("themes", "wp-content/themes", [t.name for t in env.themes]),
                folder("uploads", "wp-content/uploads", ["2024", "2025", "2026"]),
                folder("mu-plugins", "wp-content/mu-plugins", ["kinsta-mu-plugins", "kinsta-mu-plugins.php"]),
            ],
        }
    ]


def wp_cli(env: Environment, site: Site, command: str) -> tuple[str, int]:
    """Plausible output for a WP-CLI command, and its exit code."""
    words = command.split()
    args = words[1:]
    if args[:2] == ["core", "version"]:
        return (
            env.wordpress_version or "Error: This does not seem to be a WordPress installation.",
            0 if env.is_wordpress else 1,
        )
    if args[:2] in (["plugin", "list"], ["theme", "list"]):
        items = env.plugins if args[0] == "plugin" else env.themes
        rows = ["name\tstatus\tupdate\tversion"]
        rows += [f"{c.name}\t{c.status}\t{'available' if c.update_version else 'none'}\t{c.version}" for c in items]
        return "\n".join(rows), 0
    if args[:3] == ["option", "get", "siteurl"] or args[:3] == ["option", "get", "home"]:
        return env.site_url or f"https://{env.primary_domain.name}", 0
    if args[:3] == ["option", "get", "blogname"]:
        return site.display_name, 0
    if args[:2] == ["cache", "flush"]:
        return "Success: The cache was flushed.", 0
    if args[:2] == ["user", "list"]:
        return _user_list(env, args[2:]), 0
    if args[:2] == ["site", "list"] and site.is_multisite:
        return "blog_id\turl\n1\thttps://contoso.net/\n2\thttps://news.contoso.net/\n3\thttps://shop.contoso.net/", 0
    if args[:1] == ["db"] and args[1:2] == ["size"]:
        return (
            "+-----------+---------+\n| Name      | Size    |\n+-----------+---------+\n| wordpress | 48.2 MB |",
            0,
        )
    return f"Success: Ran '{command}'.", 0


_USER_FIELDS = ("ID", "user_login", "display_name", "user_email", "roles")


def _user_list(env: Environment, options: list[str]) -> str:
    """`wp user list` over the environment's WordPress users (the emails the login link takes for its
    administrators), honouring --role=, --fields= and --format=csv|json."""
    flags = dict(o[2:].split("=", 1) for o in options if o.startswith("--") and "=" in o)
    fields = [f for f in flags.get("fields", ",".join(_USER_FIELDS)).split(",") if f in _USER_FIELDS]
    rows = []
    for number, user in enumerate(env.extras.wp_admins, 1):
        if flags.get("role") not in (None, user.role):
            continue
        values = {
            "ID": str(number),
            "user_login": user.login,
            "display_name": f"{user.first_name} {user.last_name}",
            "user_email": user.email,
            "roles": user.role,
        }
        rows.append([values[f] for f in fields])
    if flags.get("format") == "json":
        return json.dumps([dict(zip(fields, row, strict=True)) for row in rows])
    separator = "," if flags.get("format") == "csv" else "\t"
    return "\n".join(separator.join(row) for row in [fields, *rows])
