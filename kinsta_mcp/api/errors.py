"""Typed errors of the Kinsta client.

Each keeps Kinsta's own `message`, the HTTP `status` and Kinsta's `data`, and reads, as
`str(err)`, as one paragraph that says what happened and what to do next.
"""

from __future__ import annotations

import math
from typing import Any

from kinsta_mcp.api.request import RequestBuildError

API_KEY_ENV = "KINSTA_API_KEY"
API_KEY_CONFIG = "api_key"

__all__ = [
    "API_KEY_CONFIG",
    "API_KEY_ENV",
    "AuthenticationError",
    "BadRequestError",
    "InvalidResponseError",
    "KinstaConnectionError",
    "KinstaError",
    "KinstaTimeoutError",
    "NoRateSlotError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RequestBuildError",
    "ServerError",
    "error_for_status",
]


class KinstaError(Exception):
    """A Kinsta API call failed. `str(err)` is the whole, actionable message."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        kinsta_message: str | None = None,
        data: Any = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.kinsta_message = kinsta_message
        self.data = data
        self.operation = operation  # the tool name, or "METHOD /path" for a raw request

    def __str__(self) -> str:
        return self.message


class AuthenticationError(KinstaError):
    """401: the API key is missing, invalid or expired."""


class PermissionDeniedError(KinstaError):
    """403: the key's role lacks the right."""


class NotFoundError(KinstaError):
    """404: not found, or the key may not see it."""


class BadRequestError(KinstaError):
    """400: Kinsta rejected the arguments (its message names the field)."""


class RateLimitedError(KinstaError):
    """429 after the retries: `retry_after` says when to try again (seconds), when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class NoRateSlotError(RateLimitedError):
    """Not sent: Kinsta's rate budget has no slot before the calling tool's deadline (`retry_after`: when it
    will, at least). Nothing reached Kinsta for this attempt."""


class ServerError(KinstaError):
    """5xx: after the retries for a read; at once, outcome unknown, for a write."""


class KinstaTimeoutError(KinstaError):
    """No answer in time, after the retries (reads only; a write gives OutcomeUnknownError)."""


class KinstaConnectionError(KinstaError):
    """Could not connect (DNS, refused, TLS, proxy) or the connection broke, after the retries."""


class InvalidResponseError(KinstaError):
    """The answer is not JSON, or not the expected shape."""


class OutcomeUnknownError(KinstaError):
    """A write was sent but no answer came back: it may or may not have been applied. Never retried."""


def _said(kinsta_message: str | None) -> str:
    return f' Kinsta said: "{kinsta_message}".' if kinsta_message else ""


def error_for_status(
    status: int,
    *,
    operation: str,
    method: str,
    path: str,
    kinsta_message: str | None,
    data: Any,
    retry_after: float | None = None,
) -> KinstaError:
    """The typed error for a non-2xx answer to `method path` (made for `operation`)."""
    said = _said(kinsta_message)
    target = f"{method} {path}"
    common: dict[str, Any] = {"status": status, "kinsta_message": kinsta_message, "data": data, "operation": operation}
    if status == 400:
        return BadRequestError(
            f"Kinsta rejected the request for {operation} ({target}) as invalid (400).{said} "
            "Correct the named argument and try again.",
            **common,
        )
    if status == 401:
        return AuthenticationError(
            f"Kinsta did not accept the API key (401) for {operation}: "
            f"it is missing, invalid, expired or revoked.{said} "
            "Create a key in MyKinsta > Company settings > API Keys and set it in the "
            f"{API_KEY_ENV} environment variable (or `{API_KEY_CONFIG}` in the config file), then restart the server.",
            **common,
        )
    if status == 403:
        return PermissionDeniedError(
            f"The API key is not allowed to do {operation} ({target}) (403).{said} "
            "The key's role lacks this right (keys of company developers cannot do some operations); "
            "use a key created by a company owner or administrator, or ask one to do it.",
            **common,
        )
    if status == 404:
        return NotFoundError(
            f"Not found (404) for {operation}: {target}.{said} "
            "The id may be wrong, the resource may have been deleted, or this API key may not see it "
            "(Kinsta answers 404 when a key lacks access). Check the id with the matching list tool.",
            **common,
        )
    if status == 429:
        when = f"in {max(1, math.ceil(retry_after))} seconds" if retry_after is not None else "in about a minute"
        return RateLimitedError(
            f"Kinsta's rate limit was hit for {operation} (429) and the retries ran out.{said} "
            f"Try again {when}; Kinsta allows 120 requests a minute per company, 5 a minute for creating "
            "sites or environments and 35 a minute for logs.",
            retry_after=retry_after,
            **common,
        )
    if status >= 500:
        if method.upper() == "GET":
            return ServerError(
                f"Kinsta had a server error ({status}) for {operation} ({target}) and retrying did not help.{said} "
                "Try again in a few minutes; check https://status.kinsta.com if it persists.",
                **common,
            )
        return ServerError(
            f"Kinsta answered {operation} ({target}) with a server error ({status}).{said} "
            "The change may or may not have been applied; check before retrying "
            "(look at the resource with a list/get tool, or at the company's activity log), "
            "because retrying blindly could apply it twice.",
            **common,
        )
    return KinstaError(
        f"Kinsta answered {operation} ({target}) with HTTP {status}.{said}",
        **common,
    )
