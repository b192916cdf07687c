"""Add/remove against the current list, for writes that replace a whole list (`spec.ListEdit`).

Kinsta's denied-IPs write replaces the whole list; a model that wants to block one address
would have to read, merge and send it back, and a slip drops entries. The operation declares
the edit; this reads the current list (through the shared read cache), applies the entries
to add and remove, and puts the resulting list in the arguments: what the guard judges, the
human sees and Kinsta receives. Nothing is sent when the list cannot be read or an entry to
remove is not in it.
"""

from __future__ import annotations

from typing import Any

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.rules import current_list
from kinsta_mcp.catalog.spec import Operation
from kinsta_mcp.config import Profile
from kinsta_mcp.server.reads import Reader


async def apply_edit(op: Operation, args: dict[str, Any], reader: Reader, profile: Profile) -> str | None:
    """Fill `args[edit.field]` from add/remove and the current list; a message (nothing sent) when it cannot."""
    edit = op.edits
    if edit is None or (args.get(edit.add) is None and args.get(edit.remove) is None):
        return None
    listing = BY_NAME[edit.reads]
    fields = listing.input.model_fields
    body = await reader.lookup(edit.reads, {k: v for k, v in args.items() if k in fields}, profile)
    current = current_list(body, edit.key)
    if current is None:
        return (
            f"{op.title}: the current list could not be read ({edit.reads}), so {edit.add}/{edit.remove} cannot be "
            f"applied; nothing was sent. Try again, or give {edit.field} (the whole list)."
        )
    removing = [str(e).strip() for e in args.get(edit.remove) or []]
    absent = [e for e in removing if e not in current]
    if absent:
        return (
            f"Invalid arguments for {op.name}; nothing was sent:\n- {edit.remove}: not in the current list: "
            f"{', '.join(absent)} (the list: {', '.join(current) or 'empty'})"
        )
    result = [e for e in current if e not in removing]
    result += [e for e in dict.fromkeys(str(a).strip() for a in args.get(edit.add) or []) if e not in result]
    args[edit.field] = result
    return None
