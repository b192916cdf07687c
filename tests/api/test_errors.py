"""Kinsta's errors become typed errors that keep Kinsta's message and say what to do next."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from client_support import CLEAR_CACHE, GET_SITE, MakeClient, reply

from kinsta_mcp.api.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidResponseError,
    KinstaConnectionError,
    KinstaError,
    KinstaTimeoutError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    RequestBuildError,
    ServerError,
    error_for_status,
)

pytestmark = pytest.mark.anyio

SITE_ID = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"

# (status, Kinsta's answer, error type, phrases the actionable text must hold)
CASES: list[tuple[int, dict[str, Any], type[KinstaError], list[str]]] = [
    (
        400,
        {"message": '"site_id" must be a valid GUID', "status": 400, "data": {"field": "site_id"}},
        BadRequestError,
        ["invalid", "Correct the named argument"],
    ),
    (
        401,
        {"message": "No or invalid API key", "status": 401},
        AuthenticationError,
        ["missing, invalid, expired", "MyKinsta > Company settings > API Keys", "KINSTA_API_KEY", "api_key"],
    ),
    (
        403,
        {"message": "Forbidden", "status": 403},
        PermissionDeniedError,
        ["role", "company developers"],
    ),
    (
        404,
        {"message": "Site not found", "status": 404, "data": None},
        NotFoundError,
        ["Not found", "may not see it", f"GET /sites/{SITE_ID}"],
    ),
    (
        500,
        {"message": "Internal error", "status": 500, "data": {"trace": "abc"}},
        ServerError,
        ["server error (500)", "Try again"],
    ),
]


@pytest.mark.parametrize(("status", "answer", "error_type", "phrases"), CASES)
async def test_error_answers_keep_kinsta_message_and_say_what_to_do(
    make_client: MakeClient,
    status: int,
    answer: dict[str, Any],
    error_type: type[KinstaError],
    phrases: list[str],
) -> None:
    client, sent = make_client(lambda _r: reply(status, answer), max_retries=0)
    with pytest.raises(error_type) as caught:
        await client.call(GET_SITE, {"site_id": SITE_ID})
    error = caught.value
    assert sent.count == 1
    assert error.status == status
    assert error.kinsta_message == answer["message"]
    assert error.data == answer.get("data")
    assert error.operation == "get_site"
    text = str(error)
    assert answer["message"] in text
    for phrase in phrases:
        assert phrase in text
    assert "\n" not in text  # one paragraph


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_never_retried(make_client: MakeClient, status: int) -> None:
    client, sent = make_client(lambda _r: reply(status, {"message": "no"}))
    with pytest.raises(KinstaError):
        await client.call(GET_SITE, {"site_id": SITE_ID})
    assert sent.count == 1


async def test_an_error_without_a_body_still_says_what_happened(make_client: MakeClient) -> None:
    client, _ = make_client(lambda _r: httpx.Response(404))
    with pytest.raises(NotFoundError) as caught:
        await client.call(GET_SITE, {"site_id": SITE_ID})
    assert caught.value.kinsta_message is None
    assert "Kinsta said" not in str(caught.value)
    assert SITE_ID in str(caught.value)


def test_a_server_error_on_a_write_says_the_outcome_is_unknown() -> None:
    error = error_for_status(
        502, operation="delete_site", method="DELETE", path="/sites/x", kinsta_message="Bad gateway", data=None
    )
    assert isinstance(error, ServerError)
    text = str(error)
    assert "delete_site" in text and "Bad gateway" in text
    assert "may or may not have been applied" in text
    assert "check before retrying" in text


def test_rate_limited_says_when_to_retry() -> None:
    error = error_for_status(
        429, operation="list_sites", method="GET", path="/sites", kinsta_message=None, data=None, retry_after=12.2
    )
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 12.2
    assert "in 13 seconds" in str(error)
    unknown = error_for_status(429, operation="list_sites", method="GET", path="/sites", kinsta_message=None, data=None)
    assert "in about a minute" in str(unknown)


def test_an_unmapped_status_is_a_plain_kinsta_error() -> None:
    error = error_for_status(
        409,
        operation="add_domain",
        method="POST",
        path="/sites/environments/e/domains",
        kinsta_message="Exists",
        data=1,
    )
    assert type(error) is KinstaError
    assert (error.status, error.kinsta_message, error.data) == (409, "Exists", 1)
    assert "409" in str(error) and "Exists" in str(error)


def test_every_error_is_a_kinsta_error_and_request_build_error_is_a_value_error() -> None:
    for error_type in (
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        BadRequestError,
        RateLimitedError,
        ServerError,
        KinstaTimeoutError,
        KinstaConnectionError,
        InvalidResponseError,
        OutcomeUnknownError,
    ):
        assert issubclass(error_type, KinstaError)
    assert issubclass(RequestBuildError, ValueError)


def test_errors_expose_status_message_and_data() -> None:
    error = KinstaError("Readable text.", status=418, kinsta_message="teapot", data={"a": 1})
    assert str(error) == "Readable text."
    assert (error.status, error.kinsta_message, error.data) == (418, "teapot", {"a": 1})
    bare = OutcomeUnknownError("x")
    assert (bare.status, bare.kinsta_message, bare.data) == (None, None, None)


async def test_outcome_unknown_names_the_operation_and_how_to_check(make_client: MakeClient) -> None:
    def dropped(_request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    client, _ = make_client(dropped)
    with pytest.raises(OutcomeUnknownError) as caught:
        await client.call(CLEAR_CACHE, {"env_id": SITE_ID})
    text = str(caught.value)
    assert "clear_site_cache" in text
    assert "POST /sites/tools/clear-cache" in text
    assert "may or may not have been applied" in text
    assert "activity log" in text
    assert caught.value.__cause__ is not None  # the transport's exception is kept for debugging
