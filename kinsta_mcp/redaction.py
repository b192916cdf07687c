"""Secrets out of everything the server writes or returns: one rule for names, one walker.

Logs, tool results, previews and the audit trail all redact with `redact`: a value under a
secret-sounding field name is replaced, and every other string can be passed through a text
rule (cleaning for results, secret options and known values for the audit trail and logs).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"

_SECRET_NAME_PARTS = (
    "password",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "private_key",
    "ssl_key",
    "custom_ssl",
    "download_link",  # a backup's link: the whole site and database, for whoever holds it
    "login_link",  # logs whoever opens it in
)


@functools.lru_cache(maxsize=4096)  # the same keys come back on every record
def is_secret_name(name: str) -> bool:
    """True for field names such as `admin_password`, `confirmation_token`, `custom_ssl_key`."""
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def redact(
    value: Any,
    *,
    names: bool = True,
    only_strings: bool = False,
    text: Callable[[str], str] | None = None,
    keys: Callable[[str], str] | None = None,
    placeholder: str = REDACTED,
) -> Any:
    """A copy of `value` (mappings and sequences, at any depth).

    - `names`: a value under a secret-sounding field name becomes `placeholder`; with
      `only_strings`, only string values do (flags such as `is_password_auth_enabled` and
      lists such as `api_keys` keep theirs).
    - `text`: applied to every other string; `keys`: to every key.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, Mapping):
            out: dict[Any, Any] = {}
            for k, v in node.items():
                name = str(k)
                hidden = names and is_secret_name(name) and v is not None and (not only_strings or isinstance(v, str))
                out[keys(name) if keys else k] = placeholder if hidden else walk(v)
            return out
        if isinstance(node, list | tuple):
            return [walk(item) for item in node]
        if isinstance(node, str) and text is not None:
            return text(node)
        return node

    return walk(value)


# `--user_pass=x`, `--password x`, `pass=x`: secret-looking options inside free text (WP-CLI commands).
_SECRET_OPTION = re.compile(
    r"(--[\w-]*(?:pass|pwd|secret|token|key)[\w-]*(?:=|\s+)|\b[\w-]*(?:pass|pwd|secret|token)[\w-]*=)"
    r"(\"[^\"]*\"|'[^']*'|[^\s`;&|]+)",
    re.I,
)


# WP-CLI subcommands whose secret is positional: `config set NAME VALUE`, `option add|update NAME VALUE`,
# `option patch insert|update NAME KEY... VALUE` (the value is the last positional).
_POSITIONAL = re.compile(r"\b(config\s+set|option\s+(?:add|update)|option\s+patch\s+(?:insert|update))\s", re.I)
# A command's words: quoted strings whole, up to where the command ends (a backtick, ;, &, |, a line break).
_WORD = re.compile(r"\"[^\"]*\"|'[^']*'|[^\s`;&|\"']+|(?P<end>[`;&|\n])")
# A name that holds a secret: WordPress's DB_PASSWORD, AUTH_KEY, NONCE_SALT; an option's api_token...
_SECRET_WORD = re.compile(r"pass|pwd|secret|token|key|salt|nonce|auth|credential|private|license", re.I)


def _positional_secrets(text: str) -> str:
    """`text` with the value of `config set NAME VALUE` (option add, update, patch) replaced when NAME looks secret."""
    if _POSITIONAL.search(text) is None:
        return text  # the common case
    spans: list[tuple[int, int]] = []
    for command in _POSITIONAL.finditer(text):
        patch = command.group(1).lower().startswith("option patch")
        words: list[re.Match[str]] = []
        for word in _WORD.finditer(text, command.end()):
            if word.group("end"):
                break
            if not word.group(0).startswith("--"):  # flags (--raw, --type=constant, --format=json) are not positions
                words.append(word)
        name, values = (words[0], words[1:]) if words else (None, [])
        if name is None or not values or not _SECRET_WORD.search(name.group(0)):
            continue
        secret = values[-1] if patch else values[0]
        spans.append(secret.span())
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + REDACTED + text[end:]
    return text


def redact_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` with known secret values, secret-looking options (`--user_pass=…`, `--user_pass …`) and
    positional WP-CLI secrets (`config set DB_PASSWORD …`, `option update <secret name> …`) replaced."""
    for value in known:
        if value and len(value) >= 8:
            text = text.replace(value, REDACTED)
    return _positional_secrets(_SECRET_OPTION.sub(lambda m: m.group(1) + REDACTED, text))
