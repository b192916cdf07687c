"""GET /operations/{operation_id}: the state of an async operation."""

from __future__ import annotations

from ..handling import ApiError, Ctx, Handlers, Reply, not_found

handlers = Handlers()


@handlers.add("GET /operations/{operation_id}")
def operation_status(ctx: Ctx) -> Reply:
    op = ctx.state.operations.get(ctx.path["operation_id"])
    # Kinsta needs a moment before a new site's operation can be found.
    if op is None or op.company_id != ctx.company or ctx.now < op.visible_at:
        raise not_found("operation")
    if not op.finished:
        progress = min(99, int(100 * (ctx.now - op.started_at) / max(op.done_at - op.started_at, 1e-9)))
        return Reply(202, {"status": 202, "message": "Operation in progress", "data": {"progress": progress}})
    if op.failed:
        raise ApiError(500, op.error or "Error occurred while processing your request", {"operation_id": op.id})
    return Reply(200, {"message": "Successfully finished request", "status": 200, "data": op.data or {}})
