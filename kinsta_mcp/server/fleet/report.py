"""What a batch shows: the human's confirmation, the dry run, and the result table within the budget.

Every target is named (quoted and cleaned by `untrusted.one_line`, via `Target.label`); a target
whose site name mixes scripts or looks like another of the company's site names is counted, marked
and listed first in the confirmation, so the summary of the rest never hides it. The
result keeps what needs acting on first (failed, still running, not started, skipped) and
leaves out finished rows and read data before anything else when it would pass the result
budget, saying what was left out and how to see it. Its structured result marks the names, Kinsta's
messages and read data under `_untrusted` (as every tool's result does), within the same budget.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from kinsta_mcp.server.budget import json_size
from kinsta_mcp.server.fleet.plan import Plan
from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME, BatchResult, BatchRow, target_fields
from kinsta_mcp.server.pipeline import Outcome
from kinsta_mcp.server.previews import render
from kinsta_mcp.server.shaping import mark_untrusted
from kinsta_mcp.untrusted import Lookalikes

ORDER = ("failed", "running", "not_started", "skipped", "done", "planned")
_RESERVE = 1200  # bytes kept for the header and the notes around the rows
_SHOWN_NOTE = 200
# The result's text that is the server's own (the outcome words, how to resume), not the account's or Kinsta's:
# everything else (target names, Kinsta's messages, read data) is marked under `_untrusted`.
OWN_TEXT = ("batch", "rows[].operation", "rows[].outcome", "resume[]", "left_out")


def _what(plan: Plan) -> list[str]:
    """Each step's consequence, with the per-target ids said once for all targets."""
    everyone = {"site_id": "every site listed below", "env_id": "every environment listed below"}
    lines = []
    for step in plan.steps:
        shared = {k: v for k, v in step.shared.items() if k not in target_fields(step.op)}
        facts = {k: v for k, v in everyone.items() if k in step.op.input.model_fields}
        edit = step.op.edits
        if edit is not None and shared.get(edit.field) is None:  # add/remove: each target's own list, edited
            facts[edit.field] = "(each target's current list, edited as below)"
        lines.append(render(step.op, {**dict.fromkeys(facts), **shared}, facts))
    return lines


SHOWN_TARGETS = 12  # targets named one by one in a confirmation; the rest are summarised
_SHOWN_WARNING = 200  # characters of one target's look-alike warning


def lookalikes(plan: Plan) -> dict[str, str]:
    """Target id -> why the human should look twice at its site's name: it mixes scripts, or it looks like
    another of the company's site names (`untrusted.Lookalikes`)."""
    index = Lookalikes(plan.names)
    by_name: dict[str, str | None] = {}
    found = {}
    for target in plan.targets:
        if target.site_display not in by_name:
            by_name[target.site_display] = index.warning(target.site_display)
        warning = by_name[target.site_display]
        if warning:
            found[target.id] = warning if len(warning) <= _SHOWN_WARNING else warning[: _SHOWN_WARNING - 1] + "…"
    return found


def _target_lines(plan: Plan, limit: int | None = None, flagged: Mapping[str, str] | None = None) -> list[str]:
    """One line per target, flagged ones first (so they are named even where the rest are summarised)."""
    flagged = flagged or {}
    by_target: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for item in plan.items:
        labels[item.target.id] = item.target.label + (f": {item.note}" if item.note else "")
        by_target.setdefault(item.target.id, []).append(item.step.tool)
    multi = len(plan.steps) > 1
    order = sorted(by_target, key=lambda t: t not in flagged)  # stable: the site list's order otherwise
    lines = [
        f"- {labels[t]} ({t})"
        + (f" [{', '.join(by_target[t])}]" if multi else "")
        + (f" - look twice: {flagged[t]}" if t in flagged else "")
        for t in order
    ]
    if limit is None or len(lines) <= limit:
        return lines
    rest = order[limit:]
    names = ", ".join(labels[t] for t in rest[:limit])
    more = f" and {len(rest) - limit} more" if len(rest) > limit else ""
    also = sum(t in flagged for t in rest)
    look = f" ({also} of them flagged too: a dry run shows which)" if also else ""
    return [*lines[:limit], f"- and {len(rest)} more{look}: {names}{more} (a dry run lists every target)"]


def _skipped_lines(plan: Plan) -> list[str]:
    return [f"- {label} ({target_id}): skipped, {why}" for label, target_id, why in plan.skipped]


def _findings(plan: Plan) -> list[str]:
    """What the catalog's rules found, each said once with how many targets it concerns."""
    counts: Counter[str] = Counter()
    safer: dict[str, None] = {}
    for item in plan.items:
        for finding in item.judged.findings if item.judged else ():
            counts[finding.text] += 1
            if finding.safer:
                safer[finding.safer] = None
    lines = [f"Watch out ({n} target{'s' if n != 1 else ''}): {text}." for text, n in counts.most_common(6)]
    if len(counts) > 6:
        lines.append(f"Watch out: {len(counts) - 6} other findings (a dry run shows each target).")
    return lines + [f"Safer: {text}" for text in list(safer)[:3]]


def confirmation(plan: Plan) -> str:
    """What the human confirms, count first: the calls, what the rules found, the targets (bounded)."""
    targets = len(plan.targets)
    live = len(plan.live_targets)
    where = f"{targets} target{'s' if targets != 1 else ''}" + (f" ({live} live)" if live else "")
    lines = [f"{where}: {plan.title}, {len(plan.items)} call(s).", *_what(plan)]
    lines += _findings(plan)
    if plan.destroys:
        lines.append(f"This destroys data on {targets} target(s) and cannot be undone.")
    flagged = lookalikes(plan)
    if flagged:
        lines.append(
            f"Look twice ({len(flagged)} of {targets} target{'s' if targets != 1 else ''}): a site name that mixes "
            "scripts or looks like another site's name; each is marked below."
        )
    lines += [f"Targets ({targets}):", *_target_lines(plan, SHOWN_TARGETS, flagged)]
    if plan.skipped:
        shown = _skipped_lines(plan)
        lines += [f"Not included ({len(plan.skipped)}):", *shown[:5]]
        if len(shown) > 5:
            lines.append(f"- and {len(shown) - 5} more (a dry run lists them)")
    return "\n".join(lines)


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def _row_line(row: BatchRow) -> str:
    parts = [f"- {row.target} ({row.id}) {row.operation}: {row.outcome.upper().replace('_', ' ')}"]
    if row.created:
        parts.append(", ".join(f"{k} {v}" for k, v in row.created.items()))
    if row.operation_id and row.outcome == "running":
        parts.append(f"operation {row.operation_id}")
    if row.message and row.outcome != "done":
        message = row.message if len(row.message) <= _SHOWN_NOTE else row.message[: _SHOWN_NOTE - 1] + "…"
        parts.append(f"Kinsta says: {message}" if row.outcome == "failed" else message)
    return " - ".join(parts)


def result(title: str, rows: Sequence[BatchRow], budget: int, *, dry_run: bool, header: str = "") -> Outcome:
    """The table of target -> outcome, within `budget` bytes per channel."""
    totals = dict(Counter(row.outcome for row in rows))
    ordered = sorted(rows, key=lambda r: ORDER.index(r.outcome) if r.outcome in ORDER else len(ORDER))
    resume = [r.operation_id for r in ordered if r.outcome == "running" and r.operation_id]
    summary = ", ".join(f"{totals[state]} {state.replace('_', ' ')}" for state in ORDER if state in totals)
    lines = [f"{title}: {summary or 'no targets'}." + (" Dry run: nothing was sent." if dry_run else "")]
    if header:
        lines.append(header)
    kept: list[BatchRow] = []
    text_used = _size("\n".join(lines)) + _size(resume) + _RESERVE
    json_used = text_used
    for row in ordered:
        line = _row_line(row)
        entry = row.model_dump(mode="json", exclude_none=True)
        if row.data is not None and json_used + _size(entry) > budget:
            row = row.model_copy(update={"data": None})
            entry.pop("data", None)
        if text_used + _size(line) > budget or json_used + _size(entry) > budget:
            break
        kept.append(row)
        text_used += _size(line)
        json_used += _size(entry)

    def compose(shown: list[BatchRow]) -> tuple[str, dict[str, Any]]:
        pairs = zip(shown, ordered[: len(shown)], strict=True)
        no_data = sum(row.data is None and original.data is not None for row, original in pairs)
        left_out = _left_out(ordered[len(shown) :], no_data)
        text = [*lines, *map(_row_line, shown)]
        if resume:
            text.append(
                f"Still running: resume with {BATCH_TOOL_NAME}(resume={json.dumps(resume)}) or wait_for_operation "
                "per id. Do not start these again."
            )
        waiting = [r.id for r in ordered if r.outcome == "not_started"]
        if waiting:
            text.append(f"Not started (nothing was sent for them): run the batch again with ids={json.dumps(waiting)}.")
        if left_out:
            text.append(left_out)
        structured = BatchResult(
            batch=title, dry_run=dry_run, totals=totals, rows=shown, resume=resume, left_out=left_out
        ).model_dump(mode="json", exclude_none=True)
        return "\n".join(text), mark_untrusted(structured, own=OWN_TEXT)

    text, structured = compose(kept)
    while kept and json_size(structured) > budget:  # the untrusted mark counts too: a row less until it fits
        kept.pop()
        text, structured = compose(kept)
    failed = totals.get("failed", 0)
    return Outcome(text, structured, is_error=bool(rows) and failed == len(rows))


def _left_out(rest: Sequence[BatchRow], no_data: int) -> str | None:
    notes = []
    if rest:
        counts = Counter(row.outcome for row in rest)
        what = ", ".join(f"{n} {state}" for state, n in counts.items())
        notes.append(
            f"{len(rest)} row(s) left out to stay within the result budget ({what}); narrow the targets with "
            "name= or ids= to see them."
        )
    if no_data:
        notes.append(f"The data of {no_data} target(s) was left out: call the tool itself for one target to see it.")
    return " ".join(notes) or None


def preview(plan: Plan, budget: int) -> Outcome:
    """A dry run: every target with what will happen; nothing sent."""
    rows = [
        BatchRow(
            target=item.target.label,
            id=item.target.id,
            operation=item.step.tool,
            outcome="planned",
            message=item.note,
        )
        for item in plan.items
    ]
    rows += [
        BatchRow(target=label, id=i, operation="-", outcome="skipped", message=why) for label, i, why in plan.skipped
    ]
    ask = " The human will be asked once for the whole batch." if plan.guarded else ""
    header = "\n".join(
        [*_what(plan), f"To run it: call {BATCH_TOOL_NAME} again with the same arguments and dry_run=false.{ask}"]
    )
    return result(plan.title, rows, budget, dry_run=True, header=header)
