"""What a handler is given and gives back, and how it says which Kinsta operation it serves.

A handler is a function `Ctx -> Reply`, registered under the catalog's operation key:

    handlers = Handlers()

    @handlers.add("GET /sites/{site_id}")
    def get_site(ctx: Ctx) -> Reply: ...

By the time it runs, the request has passed the checks derived from the catalog (see
`wire.py`); the handler adds the simulator's own stricter checks (known regions, ids that
exist) and its behaviour. Errors are raised as `ApiError` and answered in Kinsta's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .routing import Route
    from .state import SimState


class ApiError(Exception):
    """Answered as Kinsta's error body `{"message", "status"[, "data"]}`."""

    def __init__(self, status: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str = "") -> ApiError:
    detail = f" ({what})" if what else ""
    return ApiError(404, f"Could not find data or the user does not have permissions to retrieve it{detail}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyInfo:
    """What an API key may do. `forbidden` holds extra "METHOD /template" entries answered 403."""

    company_id: str
    role: Literal["owner", "admin", "developer"] = "owner"
    forbidden: frozenset[str] = frozenset()
    name: str = "Simulator API key"
    key_id: str | None = None  # defaults to a uuid derived from the key
    expires_at: str | None = None


@dataclass
class Ctx:
    """Everything a handler needs for one request, already validated.

    `path`, `query` and `body` are keyed by wire name; query and path values are already
    read as their declared types (a boolean query parameter is a bool).
    """

    state: SimState
    route: Route
    key: KeyInfo
    key_id: str
    path: dict[str, Any]
    query: dict[str, Any]
    body: dict[str, Any]
    now: float
    site_id: str | None = None  # set by handlers once they know it: the activity log shows it

    @property
    def company(self) -> str:
        return self.key.company_id

    def started(self, effect: Callable[[], dict[str, Any] | None], *, site_id: str | None = None) -> Reply:
        """Start the route's async operation; `effect` runs when it completes."""
        return self.state.start_operation(self, effect, site_id=site_id or self.site_id)


HandlerFn = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Handler:
    """The simulator's behaviour for one Kinsta operation (the catalog says what it accepts)."""

    key: str  # the catalog's operation key, "METHOD /template"
    fn: HandlerFn
    # For operations the catalog marks async: the operation id prefix ("sites:add") and the 202 message.
    operation: str | None = None
    message: str = ""
    success_status: int = 202  # three async operations answer 200 while still carrying an operation_id
    activity: str | None = None  # activity log type; None for reads
    creates_site: bool = False  # its operation stays invisible for a moment, as Kinsta's do
    # Wire fields Kinsta requires although the tool fills in a default (so the catalog marks them optional).
    also_required: tuple[str, ...] = ()
    # Wire fields Kinsta accepts left out although every tool sends them (a constant such as perform_replacement).
    also_optional: tuple[str, ...] = ()


class Handlers(list[Handler]):
    """A module's handlers; `@handlers.add("METHOD /template", ...)` registers one."""

    def add(
        self,
        key: str,
        *,
        operation: str | None = None,
        message: str = "",
        success_status: int = 202,
        activity: str | None = None,
        creates_site: bool = False,
        also_required: tuple[str, ...] = (),
        also_optional: tuple[str, ...] = (),
    ) -> Callable[[HandlerFn], HandlerFn]:
        def register(fn: HandlerFn) -> HandlerFn:
            self.append(
                Handler(
                    key, fn, operation, message, success_status, activity, creates_site, also_required, also_optional
                )
            )
            return fn

        return register
