"""Third-party text (site names, plugin names, log lines, command output) made safe to show.

Minimal version: cleaning and one-line quoting for confirmation prompts. (The full
sanitiser and fences for results live alongside; see the shaping layer.)
"""

from __future__ import annotations

import re
import unicodedata

# Control characters (but tab/newline), bidi controls, zero-width characters, tag characters.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """No control, bidi, zero-width or tag characters; compatibility forms folded (NFKC)."""
    return unicodedata.normalize("NFKC", _UNSAFE.sub("", text))


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace (newlines included) as one space: nothing hides past the edge of a prompt."""
    return _SPACES.sub(" ", text).strip()


def one_line(text: str, limit: int = 80) -> str:
    """A name as a human should see it in a confirmation: cleaned, on one line, capped, quoted."""
    flat = collapse_whitespace(clean(text))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return '"' + flat.replace('"', "'") + '"'
