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
import secrets
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kinsta_mcp.redaction import redact, redact_text

log = logging.getLogger("kinsta_mcp.audit")


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
            **redact(dict(record), text=lambda text: redact_text(text, self._known)),
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
