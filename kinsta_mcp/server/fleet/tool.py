"""The `run_batch` call: plan -> dry run, or guard -> audit -> run as a job -> report.

The guard is the pipeline's own `guard.decide` (through `Core.decide`), given the plan: a batch
is guarded if any of its calls is, the human sees every target by name once, and the approval
is bound to the resolved plan (every operation, target and argument), so a confirmed batch runs
exactly what was shown. On a 2026-07-28 retry the plan is resolved again through the read
cache; if it came out different, the approval does not match and nothing is sent.

The confirmed batch runs as a job (jobs.py): each target through the core under the batch's
decision; the call returns by its deadline with what is done, the job id and how to continue.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import ValidationError

from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import ArgumentError, Parsed, describe_validation
from kinsta_mcp.server.fleet import report
from kinsta_mcp.server.fleet.plan import BatchIn, Plan, build_plan
from kinsta_mcp.server.fleet.run import BatchMemory, Memory, Runner, item_key
from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME, BatchRow
from kinsta_mcp.server.guard import Ask, Preview, Proceed
from kinsta_mcp.server.jobs import Job, JobError, Jobs
from kinsta_mcp.server.pipeline import Core, Outcome

FOLLOW_FOR = 900.0  # seconds a batch job follows the operations it started, after starting them


class Fleet:
    """The batch tool of one server: the tools it may run, and the operations batches left running."""

    def __init__(self, visible: Collection[str], memory: BatchMemory | None = None) -> None:
        self.visible = frozenset(visible)
        self.memory: BatchMemory = memory if memory is not None else Memory()

    async def __call__(self, core: Core, parsed: Parsed, profile: Profile) -> Outcome | Ask:
        try:
            req = BatchIn.model_validate(parsed.args)
        except ValidationError as exc:
            return Outcome(describe_validation(BATCH_TOOL_NAME, exc), is_error=True)
        budget = core.budget
        visible = self.visible if core.scope.tools is None else self.visible & core.scope.tools
        if req.resume:
            if req.operation or req.preset:
                return Outcome(
                    f"Invalid arguments for {BATCH_TOOL_NAME}; nothing was sent:\n- resume: give it alone (the "
                    "operation ids a batch left running, or its job id), without operation or preset",
                    is_error=True,
                )
            try:
                operation_ids, unsent = await self._operations_of(core, req.resume)
            except JobError as exc:
                return Outcome(str(exc), is_error=True)

            async def resume(job: Job, job_core: Core) -> Outcome:
                runner = Runner(job_core, profile, self.memory, job.id, job.report)
                rows: list[BatchRow] = list(unsent)
                job.partial = lambda: report.result("Resumed batch operations", rows, budget, dry_run=False)
                await runner.resume(operation_ids, FOLLOW_FOR, rows)
                return report.result("Resumed batch operations", rows, budget, dry_run=False)

            return await self._jobs(core).run(core, "batch", "Resumed batch operations", resume)
        try:
            plan = await build_plan(req, core, profile, visible)
        except ArgumentError as exc:
            return Outcome(str(exc), is_error=True)
        if plan.writes and core.backend.settings.read_only:  # the tool is hidden then; this holds if reached anyway
            return Outcome(f"{BATCH_TOOL_NAME}: the server runs in read-only mode. Nothing was sent.", is_error=True)
        dry_run = req.dry_run if req.dry_run is not None else plan.writes
        if dry_run:
            return report.preview(plan, budget)
        if not plan.items:
            return report.result(plan.title, [], budget, dry_run=False, header="No target matched: nothing was sent.")
        return await self._run(core, parsed, profile, plan)

    @staticmethod
    def _jobs(core: Core) -> Jobs:
        assert core.backend.jobs is not None
        return core.backend.jobs

    async def _operations_of(self, core: Core, ids: list[str]) -> tuple[list[str], list[BatchRow]]:
        """Operation ids as given, a batch's job id standing for every operation that batch started (those
        that ended show their row again; nothing is asked of Kinsta for them). For a batch that stopped
        (its replica went away, or its time ran out): also its items that have no operation, as rows saying
        whether a write may have reached Kinsta for them. Nothing is ever sent again."""
        out: list[str] = []
        unsent: list[BatchRow] = []
        for given in ids:
            if not given.startswith("job_"):
                out.append(given)
                continue
            job = await self._jobs(core).get(core.scope, given)  # the caller's, on whichever replica it ran
            out += await self.memory.of_batch(core.scope.owner, job.id)
            if job.state == "stopped":
                unsent += await self._unanswered(job)
        return out, unsent

    async def _unanswered(self, job: Job) -> list[BatchRow]:
        sent = await self.memory.sent_items(job.id)
        rows = []
        for held in job.data.get("rows", []):
            row = BatchRow.model_validate(held) if isinstance(held, dict) else held.model_copy()
            key = item_key(row.id, row.operation)
            if row.operation_id or sent.get(key) or row.outcome not in ("not_started", "running"):
                continue  # it has an operation (followed), or it ended
            if key in sent:
                row.outcome = "unknown"
                row.message = (
                    "may have reached Kinsta: the batch stopped before Kinsta's answer was recorded. Not sent again; "
                    "check it (e.g. the environment's backups) before running it again"
                )
            else:
                row.outcome = "not_started"
                row.message = "not started: the batch stopped before it; nothing was sent for it"
            rows.append(row)
        return rows

    async def _run(self, core: Core, parsed: Parsed, profile: Profile, plan: Plan) -> Outcome | Ask:
        async def preview() -> Preview:
            return Preview(report.confirmation(plan))

        decision = await core.decide(plan, BATCH_TOOL_NAME, plan.binding(), profile, parsed.token, preview)  # 3
        targets = [{"id": t.id, "name": t.label} for t in plan.targets]
        operations = [step.tool for step in plan.steps]
        if not isinstance(decision, Proceed):
            return core.refused(BATCH_TOOL_NAME, decision, {"operations": operations, "targets": targets}, profile)
        backend = core.backend
        budget = core.budget
        skipped = [
            BatchRow(target=label, id=i, operation="-", outcome="skipped", message=why)
            for label, i, why in plan.skipped
        ]

        async def batch(job: Job, job_core: Core) -> Outcome:
            rows = [
                BatchRow(target=i.target.label, id=i.target.id, operation=i.step.tool, outcome="not_started")
                for i in plan.items
            ]
            job.data["rows"] = rows

            def result() -> Outcome:  # what is done so far while it runs, and the report at the end
                return report.result(plan.title, [*rows, *skipped], budget, dry_run=False)

            job.partial = result
            job.report(0, len(rows), "starting")
            if plan.writes or plan.guarded:
                backend.audit.write(
                    {
                        "call": job.id,
                        "phase": "intent",
                        "tool": BATCH_TOOL_NAME,
                        **job_core.who(profile),
                        "operations": operations,
                        "arguments": [dict(step.shared) for step in plan.steps],
                        "targets": targets,
                        "confirmed_by": decision.confirmed_by,
                    }
                )
            runner = Runner(job_core, profile, self.memory, job.id, job.report)
            ended = "cancelled"
            try:
                await runner.run(plan.items, rows, wait=parsed.wait, decided=decision, follow_for=FOLLOW_FOR)
                ended = "finished"
            finally:
                outcome = result()
                if plan.writes or plan.guarded:
                    totals = outcome.structured.get("totals") if outcome.structured else None
                    backend.audit.outcome(job.id, BATCH_TOOL_NAME, ended, totals=totals)
            return outcome

        return await self._jobs(core).run(core, "batch", plan.title, batch)
