"""Route handlers, one module per API area; `ALL_ROUTES` is the simulator's whole route table."""

from __future__ import annotations

from ..routing import Route
from . import (
    analytics,
    backups,
    company,
    dns,
    domains,
    downloads,
    edge,
    environments,
    inventory,
    logs,
    operations,
    plugins,
    protection,
    redirects,
    search_replace,
    sftp,
    sites,
    tools,
    traffic,
    wordpress,
)

ALL_ROUTES: list[Route] = [
    route
    for module in (
        company,
        sites,
        environments,
        tools,
        plugins,
        domains,
        dns,
        edge,
        backups,
        logs,
        sftp,
        redirects,
        analytics,
        wordpress,
        inventory,
        traffic,
        protection,
        search_replace,
        downloads,
        operations,
    )
    for route in module.routes
]
