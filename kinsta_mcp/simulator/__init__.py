"""A stateful simulator of Kinsta API v2, independent of the client in `kinsta_mcp.api`.

    sim = Simulator(clock=SimClock())
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url) as http:
        ...

Serves every operation of the catalog (`kinsta_mcp.catalog.OPERATIONS`) under /v2 with
Kinsta's auth, validation (400 naming the field), 404 for unknown or foreign ids,
developer-role 403s, rate limits (429 with RateLimit-* headers), async operations that
finish on the clock, injectable faults and a log of every request. `serve()` runs it
standalone with uvicorn.

Adding an endpoint is its declaration in `kinsta_mcp/catalog/` plus one handler here:

1. In the area's module under `handlers/` (a new area module goes into
   `handlers/__init__.py`'s `_AREAS`), write a function `Ctx -> Reply` and register it
   under the declaration's operation key:

       @handlers.add("GET /sites/{site_id}/things")
       def list_things(ctx: Ctx) -> Reply:
           site = site_of(ctx, ctx.path["site_id"])
           return Reply(200, {"site": {"things": [...]}})

2. The request is already checked against the declaration (`wire.py`): required fields,
   types, enums, patterns, lengths, unknown fields; `ctx.path`, `ctx.query`, `ctx.body` are
   keyed by wire name. Add only what the simulator knows beyond the catalog (the id exists,
   the region is known) and raise `bad_request(...)` / `not_found(...)` from `handling.py`.
3. For an operation the catalog marks `is_async`, give `operation="area:verb"` and
   `message=` (Kinsta's 202 text), and answer `ctx.started(effect)`: `effect` changes the
   state when the operation finishes on the clock. Give `activity=` for any change (the
   activity log), `creates_site=True` when the operation makes a site, and
   `also_required=(...)` for wire fields Kinsta requires although the tool defaults them,
   `also_optional=(...)` for ones Kinsta accepts left out although every tool sends them.
4. Add a valid request for it to `tests/simulator/sim_requests.py`. The simulator refuses to
   start when a catalog operation has no handler or a handler has no operation.
"""

from __future__ import annotations

from .app import RecordedRequest, Simulator
from .clock import Clock, RealClock, SimClock
from .faults import Fault, OperationFailure
from .handling import KeyInfo
from .seed import DEMO_API_KEY, DEMO_COMPANY_ID
from .transport import SimulatorTransport, serve

__all__ = [
    "DEMO_API_KEY",
    "DEMO_COMPANY_ID",
    "Clock",
    "Fault",
    "KeyInfo",
    "OperationFailure",
    "RealClock",
    "RecordedRequest",
    "SimClock",
    "Simulator",
    "SimulatorTransport",
    "serve",
]
