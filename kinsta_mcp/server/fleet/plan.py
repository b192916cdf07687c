"""A batch's plan: every (operation, target, arguments) it will send, validated before anything is sent.

The plan is what a dry run shows, what the human confirms (the approval is bound to it) and
exactly what a confirmed batch runs. Per-target ids come from the site list, never from the
model; the shared arguments are validated by each operation's own input model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from pydantic_core import to_jsonable_python

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import display_name, sites_of
from kinsta_mcp.catalog.spec import LATEST, Effect, Id, Operation, Risk
from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import ArgumentError, describe_validation, shown
from kinsta_mcp.server.compiled import ToolDef, compiled_tools
from kinsta_mcp.server.consequences import Judged, apply, read_state
from kinsta_mcp.server.fleet.presets import PRESETS, preset_arguments
from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME, TARGET_FIELDS, Level, level_of, target_fields, tool_of
from kinsta_mcp.server.fleet.targets import (
    CompanyPlugins,
    EnvironmentPlugins,
    Kind,
    PluginSource,
    Selection,
    Target,
    resolve,
)
from kinsta_mcp.server.listedit import apply_edit
from kinsta_mcp.server.reads import Reader, ReadFailure

if TYPE_CHECKING:
    from kinsta_mcp.server.pipeline import Core

MAX_IDS = 1000
# Targets a batch of writes may reach without asking a human (live ones: more asks even for unguarded
# writes) and, with no human who answers a form, at all.
HANDFUL = 5
# Reads the plan may spend on the state the catalog's rules look at (e.g. each target's denied IPs);
# beyond it, rules judge without the state, as if the worst were true.
MAX_RULE_READS = 12
Preset = Annotated[str, Field(pattern="^(clear_all_caches|backup_live|update_plugin)$")]


class BatchIn(BaseModel):
    """run_batch's arguments (the pipeline has already taken `wait`, `company` and the token)."""

    model_config = ConfigDict(extra="forbid")

    operation: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    preset: Preset | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    environments: Kind | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ids: Annotated[list[Id], Field(max_length=MAX_IDS)] | None = None
    plugin: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,200}$")] | None = None
    plugin_outdated: StrictBool = False
    dry_run: StrictBool | None = None
    resume: Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)] | None = None


@dataclass(frozen=True)
class Step:
    tool: str  # what results call it: the operation's name (a grouped tool's member is named by it too)
    op: Operation
    shared: Mapping[str, Any]


@dataclass(frozen=True)
class Item:
    step: Step
    target: Target
    args: Mapping[str, Any]
    note: str | None = None  # what a filter found for this target (plugin versions)
    judged: Judged | None = None  # the call with what the catalog's rules found in its arguments

    @property
    def guarded(self) -> bool:
        return self.judged.guarded if self.judged is not None else self.step.op.guarded

    @property
    def destroys(self) -> bool:
        """Destroys data or cannot be undone (as guarded): a batch of these needs the count typed."""
        if not self.guarded:
            return False
        risks = self.judged.risks if self.judged is not None else [self.step.op.risk]
        return self.step.op.effect is Effect.IRREVERSIBLE or Risk.DESTROYS_DATA in risks


@dataclass
class Plan:
    title: str
    steps: list[Step]
    level: Level
    items: list[Item] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (label, id, why)
    name: str = BATCH_TOOL_NAME  # what the guard calls it
    names: list[str] = field(default_factory=list)  # the company's site names (look-alikes are flagged)

    @property
    def guarded(self) -> bool:
        """A batch is guarded if any target's call would be, or if it writes to more than a handful of lives."""
        return any(item.guarded for item in self.items) or (self.writes and len(self.live_targets) > HANDFUL)

    @property
    def writes(self) -> bool:
        """Any call that changes something (a WP-CLI command on the read-only allowlist does not)."""
        if not self.items:
            return any(step.op.effect is not Effect.READ for step in self.steps)
        return any(
            item.step.op.effect is not Effect.READ and not (item.judged and item.judged.reads_only)
            for item in self.items
        )

    @property
    def live_targets(self) -> list[Target]:
        """Targets that are live: live environments, and sites (a site's operation acts on its live site)."""
        return [t for t in self.targets if t.env_id is None or t.env.get("is_live") or t.env_name == "live"]

    @property
    def destroys(self) -> bool:
        return any(item.destroys for item in self.items)

    @property
    def typed_count(self) -> int | None:
        """A batch that destroys data: the human types the number of targets (a tick is not enough)."""
        return len(self.targets) if self.destroys else None

    @property
    def unattended_refusal(self) -> str | None:
        """Without a human who answers the form: no batch that destroys data, no batch of writes beyond a handful."""
        count = len(self.targets)
        if self.destroys:
            return (
                f"{BATCH_TOOL_NAME}: {self.title} on {count} target(s) destroys data, so the human must confirm it "
                "by typing the number of targets in the client's confirmation form, and no such form can be shown "
                "here (the client cannot show one, or the server's confirmation setting does not ask). Nothing was "
                "sent. Do it one call per target (each is confirmed on its own), or use a client that shows "
                "confirmation prompts."
            )
        if self.writes and count > HANDFUL:
            return (
                f"{BATCH_TOOL_NAME}: {self.title} on {count} targets: with no human to confirm it here (the client "
                "cannot show a confirmation form, or the server's confirmation setting does not ask), a batch of "
                f"writes may reach at most {HANDFUL} targets. Nothing was sent. Narrow the targets (name=, ids=) to "
                f"{HANDFUL} or fewer per batch, or use a client that shows confirmation prompts."
            )
        return None

    @property
    def targets(self) -> list[Target]:
        return list({item.target.id: item.target for item in self.items}.values())

    def binding(self) -> dict[str, Any]:
        """What an approval is bound to: every call the batch will send, exactly."""
        return {
            "batch": [[item.step.tool, item.step.op.name, to_jsonable_python(dict(item.args))] for item in self.items]
        }


def _problem(text: str) -> ArgumentError:
    return ArgumentError(f"Invalid arguments for {BATCH_TOOL_NAME}; nothing was sent:\n- {text}")


def batchable(tool: ToolDef) -> bool:
    return tool.special is None and all(level_of(op) is not None for op in tool.operations.values())


def _operation(name: str, arguments: dict[str, Any], visible: Collection[str]) -> Operation:
    tools = compiled_tools()
    tool = tools.get(name)
    if tool is None or name not in visible or not batchable(tool):
        allowed = sorted(n for n in visible if n in tools and batchable(tools[n]))
        hint = ", ".join(allowed) or "none on this server"
        raise _problem(f"operation: got {shown('', name)}; allowed (tools with a site or environment): {hint}")
    if tool.selector is None:
        return tool.operation(None)
    selected = arguments.pop(tool.selector, tool.selector_default)
    if selected not in tool.operations:
        raise _problem(f"arguments.{tool.selector}: got {shown('', selected)}; allowed: {', '.join(tool.operations)}")
    return tool.operation(selected)


def _steps(req: BatchIn, visible: Collection[str]) -> tuple[str, list[Step]]:
    given = dict(req.arguments)
    if (req.operation is None) == (req.preset is None):
        raise _problem("operation or preset: give exactly one of them")
    if req.operation is not None:
        op = _operation(req.operation, given, visible)
        _no_target_fields(given, [op])
        if op.latest_from and given.get("update_version") == LATEST:  # resolved per call, not per batch
            raise _problem(
                'arguments.update_version: "latest" works per call only; give a version, or preset update_plugin'
            )
        return op.title, [Step(op.name, op, given)]
    preset = PRESETS[str(req.preset)]
    if preset.needs_plugin and not req.plugin:
        raise _problem(f"plugin: required for preset {req.preset} (the plugin's slug)")
    steps = []
    for name, _ in preset.steps:
        op = BY_NAME[name]
        if tool_of(op) not in visible:
            raise _problem(f"preset {req.preset}: it runs {tool_of(op)}, which is not available on this server")
        shared = preset_arguments(str(req.preset), name, req.plugin)
        shared.update({k: v for k, v in given.items() if k in op.input.model_fields})
        steps.append(Step(name, op, shared))
    _no_target_fields(given, [step.op for step in steps])
    unused = [k for k in given if not any(k in s.op.input.model_fields for s in steps)]
    if unused:
        raise _problem(f"arguments: {', '.join(map(repr, unused))} not taken by any step of preset {req.preset}")
    return preset.title, steps


def _no_target_fields(given: Mapping[str, Any], ops: list[Operation]) -> None:
    for name in given:
        if name in TARGET_FIELDS or any(name in target_fields(op) for op in ops):
            raise _problem(
                f"arguments.{name}: filled in per target; choose targets with environments, name, ids or plugin"
            )


def _validate(step: Step, filled: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(the call's arguments, None), or (None, why this target is skipped); shared-argument errors raise."""
    try:
        validated = step.op.input.model_validate({**step.shared, **filled})
    except ValidationError as exc:
        if all(str(err["loc"][0]) in filled for err in exc.errors() if err["loc"]):
            return None, f"{step.tool}: this target's {', '.join(filled)} were not accepted"
        raise ArgumentError(describe_validation(f"{BATCH_TOOL_NAME} ({step.tool})", exc)) from None
    return {name: getattr(validated, name) for name in step.op.input.model_fields}, None


def _default_backup_tag(steps: list[Step], targets: list[Target]) -> None:
    """Backups made by a batch carry a label naming it (the id is found by it if Kinsta does not say)."""
    for i, step in enumerate(steps):
        if step.op.name == "create_backup" and not step.shared.get("tag"):
            digest = hashlib.sha256(json.dumps(sorted(t.id for t in targets)).encode()).hexdigest()[:8]
            steps[i] = Step(step.tool, step.op, {**step.shared, "tag": f"kinsta-mcp batch {digest}"})


async def build_plan(
    req: BatchIn, core: Core, profile: Profile, visible: Collection[str], plugins: PluginSource | None = None
) -> Plan:
    """Resolve the targets and validate every call; raises ArgumentError (nothing sent, only reads).

    The targets are read through the call's core (`Core.read`); the rules' reads are the guard step's own,
    through the shared read cache as in `Core.execute`."""
    title, steps = _steps(req, visible)
    levels = {level_of(step.op) for step in steps}
    level: Level = "environment" if "environment" in levels else "site"
    preset = PRESETS.get(str(req.preset))
    needs_plugin = preset is not None and preset.needs_plugin
    selection = Selection(
        req.environments, req.name, tuple(req.ids or ()), req.plugin, req.plugin_outdated or needs_plugin
    )
    default_kind = preset.default_kind if preset else None
    if not selection.chosen and default_kind is None:
        raise _problem("targets: say which: environments (live, staging, all), name, ids or plugin")
    for step in steps:  # the shared arguments, checked once even when no target matches
        _validate(step, dict.fromkeys(target_fields(step.op), "placeholder"))
    try:
        sites_body = await core.read(BY_NAME["list_sites"], {"include_environments": True}, profile)
    except ReadFailure as exc:
        raise ArgumentError(
            f"{BATCH_TOOL_NAME}: could not list the company's sites: {exc}. Nothing was sent."
        ) from None
    plugins = plugins or CompanyPlugins(core, profile, fallback=EnvironmentPlugins(core, profile))
    resolved = await resolve(sites_body, selection, level, plugins, default_kind=default_kind)
    _default_backup_tag(steps, resolved.targets)
    names = [display_name(site) for site in sites_of(sites_body)]
    plan = Plan(title=title, steps=steps, level=level, skipped=list(resolved.skipped), names=names)
    for target in resolved.targets:
        for step in steps:
            own = {"site_id": target.site_id, "env_id": target.env_id}
            filled = {
                name: own[name] if name in own else step.op.environment_value(name, target.site_id, target.env)
                for name in target_fields(step.op)
            }
            missing = [name for name, value in filled.items() if not value]
            if missing:
                why = f"{step.tool}: no {', '.join(missing)} in this environment's data"
                plan.skipped.append((target.label, target.id, why))
                continue
            args, problem = _validate(step, filled)
            if args is None:
                plan.skipped.append((target.label, target.id, problem or "not accepted"))
                continue
            plan.items.append(Item(step, target, args, resolved.notes.get(target.id)))
    await _judge_items(plan, core.backend.reader, profile)
    return plan


async def _judge_items(plan: Plan, reader: Reader, profile: Profile) -> None:
    """Apply each operation's declared rules per target; a failed precondition skips that target."""
    keys = {
        (rule.reads, json.dumps(_read_args(rule.reads, item.args), sort_keys=True, default=str))
        for item in plan.items
        for rule in item.step.op.rules
        if rule.reads
    }
    afford = len(keys) <= MAX_RULE_READS
    kept = []
    for item in plan.items:
        if item.step.op.edits:  # add/remove against this target's own list
            args = dict(item.args)
            not_applied = await apply_edit(item.step.op, args, reader, profile)
            if not_applied:
                plan.skipped.append((item.target.label, item.target.id, not_applied))
                continue
            item = Item(item.step, item.target, args, item.note)
        states = {}
        for rule in item.step.op.rules:
            if rule.reads and rule.reads not in states:
                states[rule.reads] = await read_state(rule, item.args, reader, profile) if afford else None
        judged = apply(item.step.op, item.args, states)
        if isinstance(judged, str):
            plan.skipped.append((item.target.label, item.target.id, judged))
            continue
        kept.append(Item(item.step, item.target, item.args, item.note, judged))
    plan.items = kept


def _read_args(reads: str, args: Mapping[str, Any]) -> dict[str, Any]:
    fields = BY_NAME[reads].input.model_fields
    return {k: v for k, v in args.items() if k in fields}
