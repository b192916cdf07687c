"""The audit trail: every call that writes, as JSON Lines.

The intent is written (and flushed) before the request and the outcome after it, so a
process killed in between still leaves a record. Each record names who asked (the HTTP
principal, the profile, the client). Secrets are redacted by field name AND by value: the
configured API keys and HTTP tokens wherever they appear, and password-like options inside
text (`--user_pass=…` in a WP-CLI command). The file is created readable by its owner only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kinsta_mcp.redaction import is_secret_name

log = logging.getLogger("kinsta_mcp.audit")

REDACTED = "[redacted]"
# `--user_pass=x`, `--password x`, `pass=x`: secret-looking options inside free text (WP-CLI commands).
_SECRET_OPTION = re.compile(
    r"(--[\w-]*(?:pass|pwd|secret|token|key)[\w-]*(?:=|\s+)|\b[\w-]*(?:pass|pwd|secret|token)[\w-]*=)"
    r"(\"[^\"]*\"|'[^']*'|\S+)",
    re.I,
)


def redact_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` with known secret values and secret-looking options replaced."""
    for value in known:
        if value and len(value) >= 8:
            text = text.replace(value, REDACTED)
    return _SECRET_OPTION.sub(lambda m: m.group(1) + REDACTED, text)


def redact(value: Any) -> Any:
    """A copy of `value` with every field whose name says it is secret replaced."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_name(str(k)) and v is not None else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def redact_secret_values(value: Any) -> Any:
    """A copy of `value` with every text under a secret-sounding field name replaced.

    For results: flags such as `is_password_auth_enabled` and lists such as `api_keys` keep their values.
    """
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if is_secret_name(str(k)) and isinstance(v, str) else redact_secret_values(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_secret_values(v) for v in value]
    return value


def _redact_values(value: Any, known: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_text(value, known)
    if isinstance(value, Mapping):
        return {k: _redact_values(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_values(v, known) for v in value]
    return value


class AuditLog:
    """Appends records to a JSON Lines file; `path=None` keeps no trail."""

    def __init__(self, path: Path | None, secrets: Iterable[str] = ()) -> None:
        self.path = path
        self._known = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def remember_secrets(self, values: Iterable[str]) -> None:
        """Values to mask wherever they appear (the API keys, HTTP tokens), longest first."""
        self._known = tuple(sorted(set(self._known) | {v for v in values if v}, key=len, reverse=True))

    def new_call_id(self) -> str:
        return secrets.token_hex(8)

    def write(self, record: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **_redact_values(redact(dict(record)), self._known),
        }
        line = json.dumps(entry, default=str, ensure_ascii=False)
        try:
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as exc:  # an unwritable trail must not break the call; say so on stderr
            log.error("cannot write the audit log %s: %s", self.path, exc)

    def outcome(self, call_id: str, tool: str, outcome: str, **details: Any) -> None:
        """The second half of a call's record, matched to its intent by `call`."""
        self.write({"call": call_id, "phase": "outcome", "tool": tool, "outcome": outcome, **details})
