"""What counts as a secret by its field name: one rule for logs, tool results, previews and the audit trail."""

from __future__ import annotations

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
)


def is_secret_name(name: str) -> bool:
    """True for field names such as `admin_password`, `confirmation_token`, `custom_ssl_key`."""
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)
