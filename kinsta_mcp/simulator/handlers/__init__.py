"""Route handlers, one module per API area; `ALL_ROUTES` is the simulator's whole route table."""

from __future__ import annotations

from ..routing import Route
from . import (
    analytics,
    backups,
    company,
    dns,
    domains,
    edge,
    environments,
    logs,
    operations,
    plugins,
    redirects,
    sftp,
    sites,
    tools,
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
        operations,
    )
    for route in module.routes
]
