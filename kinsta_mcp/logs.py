"""Logging to stderr, with secrets redacted from every record.

stdout belongs to the MCP protocol on the stdio transport, so every log line goes to stderr.
The redacting filter sits on the handler, so it sees records from every logger (ours,
httpx's, the MCP SDK's), including exception tracebacks and stack traces.

Redaction hides values it knows (the API keys, the HTTP tokens) and secrets by their place in
a WP-CLI command (`--user_pass=…`, `config set DB_PASSWORD …`: `redaction.redact_text`). What a
tool reveals (an
SFTP password, a login link, a confirmation token) travels in response bodies, so no record that
can carry one is written at any level: the libraries that log bodies, SSE chunks or URLs below
WARNING (sse_starlette prints every SSE chunk at DEBUG; the MCP SDK, uvicorn, httpx and httpcore
log messages and requests) are held at WARNING, on their loggers and again at the handler (uvicorn
resets its loggers' levels when it starts).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from kinsta_mcp.redaction import redact_text

REDACTED = "[REDACTED]"
# "Bearer <token>" anywhere, e.g. in a logged header or an exception's repr.
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# Shorter values would redact ordinary words; real keys and tokens are long.
_MIN_SECRET_LENGTH = 6
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers (and their children) that may print a request or response body, an SSE chunk or a URL.
QUIET_LOGGERS = ("sse_starlette", "mcp", "uvicorn", "httpx", "httpcore", "h11", "starlette")


def _is_quiet(name: str) -> bool:
    return any(name == quiet or name.startswith(quiet + ".") for quiet in QUIET_LOGGERS)


class BodyFilter(logging.Filter):
    """Drops records below WARNING from the libraries in `QUIET_LOGGERS`, whatever their level says."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not _is_quiet(record.name)


class RedactingFilter(logging.Filter):
    """Replaces every configured secret and every `Bearer ...` token in a record's text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self.set_secrets(secrets)

    def set_secrets(self, secrets: Iterable[str]) -> None:
        unique = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = tuple(sorted(unique, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return redact_text(_BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text))

    def filter(self, record: logging.LogRecord) -> bool:
        # Render the message once with its arguments, so a secret passed as an argument is caught too.
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record, nor leak it unredacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_HANDLER_NAME = "kinsta-mcp-stderr"


def setup_logging(level: str, secrets: Iterable[str] = (), stream: TextIO | None = None) -> RedactingFilter:
    """Send all logging to stderr (or `stream`) at `level`, redacting `secrets`; returns the filter.

    Calling it again replaces the handler it installed before (tests, reloads), not others'.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(BodyFilter())  # first: a dropped record is never even rendered
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return redactor
