"""Configuration errors: one line naming the setting as the user wrote it, and the fix.

A value is carried with its origin (`Given`) from the moment it is read, so that whatever goes
wrong later can say `--port`, `KINSTA_MCP_PORT` or `'port' in /path/config.json`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["flag", "env", "file"]


class ConfigError(Exception):
    """A configuration problem; `str()` is one line naming the setting and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class Given:
    """A value as written, and where: `label` names it in error messages."""

    value: Any
    label: str
    source: Source

    def fail(self, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.label}: {problem}; {fix}")


def shown(value: Any) -> str:
    """A value quoted for a message, cut to a readable length (never call this on a secret)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text) if len(text) <= 80 else repr(text[:77] + "...")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


__all__ = ["ConfigError", "Given", "Source", "did_you_mean", "shown"]
