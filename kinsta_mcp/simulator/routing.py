"""The simulator's route table: one route per Kinsta operation in the catalog, matched by Starlette.

A route joins what the catalog declares (method, path template, rate class, whether the
operation is async, what the request may hold) with the handler registered under the same
operation key. Two tools that share one Kinsta operation give one route.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from starlette.routing import Match
from starlette.routing import Route as StarletteRoute

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Operation

from .handling import Handler, HandlerFn
from .wire import WireSpec, build_wire_spec


@dataclass(frozen=True, eq=False)
class Route:
    """One Kinsta operation as the simulator serves it."""

    method: str
    template: str  # Kinsta's path template, e.g. "/sites/{site_id}"
    declarations: tuple[Operation, ...]  # one, or several tools sharing the operation
    handler: Handler

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def fn(self) -> HandlerFn:
        return self.handler.fn

    @property
    def rate(self) -> str:
        return self.declarations[0].rate.value

    @property
    def operation(self) -> str | None:
        return self.handler.operation

    @property
    def message(self) -> str:
        return self.handler.message

    @property
    def success_status(self) -> int:
        return self.handler.success_status

    @property
    def activity(self) -> str | None:
        return self.handler.activity

    @property
    def creates_site(self) -> bool:
        return self.handler.creates_site

    @property
    def wire(self) -> WireSpec:
        # Built on first use and kept for the process: the catalog does not change.
        spec = _WIRE_SPECS.get(self.key)
        if spec is None:
            spec = _WIRE_SPECS[self.key] = build_wire_spec(
                self.declarations, self.handler.also_required, self.handler.also_optional
            )
        return spec


_WIRE_SPECS: dict[str, WireSpec] = {}


def catalog_operations() -> dict[str, tuple[Operation, ...]]:
    """The catalog's declarations grouped by Kinsta operation key, in catalog order."""
    grouped: dict[str, list[Operation]] = {}
    for op in OPERATIONS:
        grouped.setdefault(op.key, []).append(op)
    return {key: tuple(ops) for key, ops in grouped.items()}


def build_routes(handlers: Iterable[Handler]) -> list[Route]:
    """One route per catalog operation; ValueError when a handler is missing, doubled or orphaned."""
    by_key: dict[str, Handler] = {}
    for handler in handlers:
        if handler.key in by_key:
            raise ValueError(f"two simulator handlers for {handler.key}")
        by_key[handler.key] = handler
    operations = catalog_operations()
    orphans = sorted(set(by_key) - set(operations))
    missing = sorted(set(operations) - set(by_key))
    if orphans or missing:
        raise ValueError(f"simulator handlers without a catalog operation: {orphans}; operations without: {missing}")
    routes = []
    for key, declarations in operations.items():
        handler = by_key[key]
        is_async = any(op.is_async for op in declarations)
        if is_async != (handler.operation is not None):
            raise ValueError(f"{key}: the catalog says async={is_async}; the handler's operation: {handler.operation}")
        method, template = key.split(" ", 1)
        routes.append(Route(method, template, declarations, handler))
    return routes


class RouteTable:
    """Finds the route for a request with Starlette's path matching.

    Templates are Starlette's syntax already (`{site_id}`, one path segment). Routes with
    more literal segments are tried first, so `/sites/plain` wins over `/sites/{site_id}`.
    As in any Starlette app, the decoded path is matched: an id holding "/" routes nowhere.
    """

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)
        by_template: dict[str, dict[str, Route]] = {}
        for route in self.routes:
            by_template.setdefault(route.template, {})[route.method] = route
        ordered = sorted(by_template, key=lambda t: -sum(1 for s in t.strip("/").split("/") if "{" not in s))
        self._starlette = [
            (StarletteRoute(template, _never_called, methods=list(by_template[template])), by_template[template])
            for template in ordered
        ]

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | Literal[False] | None:
        """The route and its path variables; False when the path exists for another method only."""
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        path_exists = False
        for starlette_route, by_method in self._starlette:
            found, child = starlette_route.matches(scope)
            if found is Match.FULL and method in by_method:
                return by_method[method], dict(child["path_params"])
            if found is not Match.NONE:
                path_exists = True
        return False if path_exists else None


async def _never_called() -> None:  # pragma: no cover - the table only matches; the app dispatches
    raise AssertionError("the simulator dispatches matched routes itself")
