"""The `run_batch` call: plan -> dry run, or guard -> audit -> run -> report.

The guard is the pipeline's own `guard.decide`, given the plan: a batch is guarded if any of
its calls is, the human sees every target by name once, and the approval is bound to the
resolved plan (every operation, target and argument), so a confirmed batch runs exactly what
was shown. On a 2026-07-28 retry the plan is resolved again through the read cache; if it
came out different, the approval does not match and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import ValidationError

from kinsta_mcp.config import Profile
from kinsta_mcp.server.approvals import Binding
from kinsta_mcp.server.arguments import ArgumentError, Parsed, describe_validation
from kinsta_mcp.server.fleet import report
from kinsta_mcp.server.fleet.plan import BatchIn, Plan, build_plan
from kinsta_mcp.server.fleet.run import Memory, Runner
from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME, BatchRow
from kinsta_mcp.server.guard import Ask, Preview, Refuse, decide
from kinsta_mcp.server.pipeline import Backend, CallContext, Outcome


class Fleet:
    """The batch tool of one server: the tools it may run, and the operations batches left running."""

    def __init__(self, visible: Collection[str]) -> None:
        self.visible = frozenset(visible)
        self.memory = Memory()

    async def __call__(self, backend: Backend, parsed: Parsed, profile: Profile, call: CallContext) -> Outcome | Ask:
        try:
            req = BatchIn.model_validate(parsed.args)
        except ValidationError as exc:
            return Outcome(describe_validation(BATCH_TOOL_NAME, exc), is_error=True)
        budget = backend.settings.result_budget
        runner = Runner(backend, profile, call, self.memory)
        if req.resume:
            if req.operation or req.preset:
                return Outcome(
                    f"Invalid arguments for {BATCH_TOOL_NAME}; nothing was sent:\n- resume: give it alone (the "
                    "operation ids a batch left running), without operation or preset",
                    is_error=True,
                )
            rows = await runner.resume(req.resume)
            return report.result("Resumed batch operations", rows, budget, dry_run=False)
        try:
            plan = await build_plan(req, backend.reader, profile, self.visible)
        except ArgumentError as exc:
            return Outcome(str(exc), is_error=True)
        if plan.writes and backend.settings.read_only:  # the tool is hidden then; this holds if it is reached anyway
            return Outcome(f"{BATCH_TOOL_NAME}: the server runs in read-only mode. Nothing was sent.", is_error=True)
        dry_run = req.dry_run if req.dry_run is not None else plan.writes
        if dry_run:
            return report.preview(plan, budget)
        if not plan.items:
            return report.result(plan.title, [], budget, dry_run=False, header="No target matched: nothing was sent.")
        return await self._run(backend, parsed, profile, call, plan, runner)

    async def _run(
        self, backend: Backend, parsed: Parsed, profile: Profile, call: CallContext, plan: Plan, runner: Runner
    ) -> Outcome | Ask:
        binding = Binding(BATCH_TOOL_NAME, plan.binding(), profile.name, call.principal, call.connection)

        async def preview() -> Preview:
            return Preview(report.confirmation(plan))

        decision = await decide(
            plan, binding, backend.settings.confirmation, call, backend.approvals, parsed.token, preview
        )
        who = {"profile": profile.name, "principal": call.principal, "client": call.client_name}
        targets = [{"id": t.id, "name": t.label} for t in plan.targets]
        operations = [step.tool for step in plan.steps]
        if isinstance(decision, Ask):
            return decision
        if isinstance(decision, Refuse):
            backend.audit.write(
                {
                    "tool": BATCH_TOOL_NAME,
                    "phase": "refused",
                    **who,
                    "operations": operations,
                    "targets": targets,
                    "reason": decision.text,
                }
            )
            return Outcome(decision.text, is_error=True)
        batch_id = backend.audit.new_call_id()
        if plan.writes or plan.guarded:
            backend.audit.write(
                {
                    "call": batch_id,
                    "phase": "intent",
                    "tool": BATCH_TOOL_NAME,
                    **who,
                    "operations": operations,
                    "arguments": [dict(step.shared) for step in plan.steps],
                    "targets": targets,
                    "confirmed_by": decision.confirmed_by,
                }
            )
        rows = await runner.run(plan.items, wait=parsed.wait, batch_id=batch_id)
        skipped = [
            BatchRow(target=label, id=i, operation="-", outcome="skipped", message=why)
            for label, i, why in plan.skipped
        ]
        outcome = report.result(plan.title, [*rows, *skipped], backend.settings.result_budget, dry_run=False)
        if plan.writes or plan.guarded:
            totals = outcome.structured.get("totals") if outcome.structured else None
            backend.audit.outcome(batch_id, BATCH_TOOL_NAME, "finished", totals=totals)
        return outcome
