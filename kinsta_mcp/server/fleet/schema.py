"""The `run_batch` tool's definition, and which catalog operations a batch can run.

A batch runs an operation once per target, filling in the target's ids itself: operations
that take an `env_id` run per environment, operations that take a `site_id` (and no env_id)
per site. Operations that take neither have no target and are not batchable.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kinsta_mcp.catalog.spec import Effect, Operation, Toolset
from kinsta_mcp.server.compiled import OPTION_TOKEN, OPTION_WAIT, ToolDef, tool_annotations
from kinsta_mcp.server.schema import output_schema

BATCH_TOOL_NAME = "run_batch"
# Filled in per target from the site list, never by the model; so is what an operation declares it
# takes from the environment's data (`Operation.from_environment`, e.g. the CDN cache id).
TARGET_FIELDS = ("site_id", "env_id")


def target_fields(op: Operation) -> tuple[str, ...]:
    return tuple(name for name in (*TARGET_FIELDS, *op.from_environment) if name in op.input.model_fields)


def tool_of(op: Operation) -> str:
    """The tool that offers an operation (its group's, when it is a member)."""
    return op.member.group.name if op.member is not None else op.name


Level = Literal["environment", "site"]


def level_of(op: Operation) -> Level | None:
    """What one target of this operation is, or None when it has no per-target id."""
    fields = op.input.model_fields
    if "env_id" in fields:
        return "environment"
    if "site_id" in fields:
        return "site"
    return None


class BatchRow(BaseModel):
    target: str = Field(description="Site (and environment) name, quoted")
    id: str = Field(description="The site or environment id")
    operation: str
    outcome: str = Field(description="done, failed, running, not_started, skipped, planned")
    message: str | None = None
    operation_id: str | None = None
    created: dict[str, Any] | None = Field(None, description="Ids of what was created (backup_id ...)")
    data: Any = None


class BatchResult(BaseModel):
    batch: str
    dry_run: bool
    totals: dict[str, int]
    rows: list[BatchRow]
    resume: list[str] = Field(default_factory=list, description="Operation ids still running: run_batch(resume=...)")
    left_out: str | None = Field(None, description="What the result budget left out, and how to get it")


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "operation": {"type": "string", "description": "Tool to run per target, e.g. create_backup"},
        "preset": {
            "type": "string",
            "enum": ["clear_all_caches", "backup_live", "update_plugin"],
            "description": "Instead of operation: site+edge+CDN clear; create_backup on live; update `plugin` where "
            "outdated",
        },
        "arguments": {"type": "object", "description": "Shared arguments (target ids are filled in)"},
        "environments": {"type": "string", "enum": ["live", "staging", "all"], "description": "Which environments"},
        "name": {"type": "string", "description": "Site name glob; 'site/env' for environments"},
        "ids": {"type": "array", "items": {"type": "string"}, "description": "Site or environment ids"},
        "plugin": {"type": "string", "description": "Only where this plugin slug is installed"},
        "plugin_outdated": {"type": "boolean", "description": "Only where plugin is outdated"},
        "dry_run": {"type": "boolean", "description": "Default true for writes: list targets, send nothing"},
        "resume": {"type": "array", "items": {"type": "string"}, "description": "Operation ids left running"},
        OPTION_WAIT: {"type": "boolean", "description": "Await outcome"},
    },
}


def batch_tool() -> ToolDef:
    title = "Run on many sites"
    return ToolDef(
        name=BATCH_TOOL_NAME,
        title=title,
        description=(
            "Run one tool on many sites or environments in one call, within Kinsta's rate limits. Writes preview "
            "first (dry_run); a guarded tool asks once for the whole batch. Returns target -> outcome, created ids."
        ),
        toolset=Toolset.FLEET,
        effect=Effect.IRREVERSIBLE,  # the strongest operation it can run
        input_schema=_SCHEMA,
        output_schema=output_schema(BatchResult.model_json_schema()),
        annotations=tool_annotations(Effect.IRREVERSIBLE, idempotent=False),
        options=(OPTION_WAIT, OPTION_TOKEN),
        special="batch",
        view="batch",
    )
