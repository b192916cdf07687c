"""Compatibility names for callers not yet moved to `shaping` and `kinsta_mcp.untrusted`.

The text of a tool result is made by `shaping.shape` (complete, bounded, fenced where
untrusted); cleaning and fencing live in `kinsta_mcp.untrusted`. Resources, prompts and
the overview still import these names.
"""

from __future__ import annotations

from typing import Any

from kinsta_mcp.catalog.spec import Operation
from kinsta_mcp.server.shaping import main_list, project, shape
from kinsta_mcp.untrusted import clean, fence

__all__ = ["MAX_UNTRUSTED_CHARS", "clean_text", "fence_untrusted", "main_list", "project", "summarize_result"]

MAX_UNTRUSTED_CHARS = 20_000


def clean_text(text: str, limit: int = MAX_UNTRUSTED_CHARS) -> str:
    """Third-party text made safe to show, capped, truncation stated."""
    text = clean(text)
    if len(text) > limit:
        return text[:limit] + f"\n[... truncated: {len(text) - limit} more characters not shown]"
    return text


def fence_untrusted(label: str, text: str) -> str:
    """Delimit third-party text (capped) so a model treats it as data."""
    return fence(label, clean_text(text))


def summarize_result(op: Operation, data: Any) -> str:
    """The text part of a tool result for already-projected `data` (see `shaping.shape`)."""
    return shape(op, data, full=True).text
