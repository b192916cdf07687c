"""The audit trail: every call that writes, as JSON Lines.

The intent is written (and flushed) before the request and the outcome after it, so a
process killed in between still leaves a record. Secrets in arguments are redacted.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kinsta_mcp.redaction import is_secret_name

log = logging.getLogger("kinsta_mcp.audit")

REDACTED = "[redacted]"


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


class AuditLog:
    """Appends records to a JSON Lines file; `path=None` keeps no trail."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def new_call_id(self) -> str:
        return secrets.token_hex(8)

    def write(self, record: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **redact(dict(record))}
        line = json.dumps(entry, default=str, ensure_ascii=False)
        try:
            with self._lock, open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:  # an unwritable trail must not break the call; say so on stderr
            log.error("cannot write the audit log %s: %s", self.path, exc)
