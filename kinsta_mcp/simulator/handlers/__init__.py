"""The simulator's behaviour, one module per API area; `HANDLERS` holds every handler.

Each module registers its handlers with `@handlers.add("METHOD /template", ...)` under the
catalog's operation key; a new area module is added to `_AREAS`.
"""

from __future__ import annotations

from ..handling import Handler
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

_AREAS = (
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

HANDLERS: tuple[Handler, ...] = tuple(handler for area in _AREAS for handler in area.handlers)
