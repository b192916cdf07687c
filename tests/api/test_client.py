"""KinstaClient: what goes on the wire, retries only where repeating is safe, rate limits, secrecy."""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import anyio
import httpx
import pytest
from client_support import (
    CLEAR_CACHE,
    CREATE_SITE,
    FAKE_KEY,
    GET_LOGS,
    GET_SITE,
    LIST_REGIONS,
    MakeClient,
    reply,
    sequence,
)
from pydantic import SecretStr

import kinsta_mcp
from kinsta_mcp.api.client import ApiResponse, KinstaClient
from kinsta_mcp.api.clock import FakeClock
from kinsta_mcp.api.errors import (
    AuthenticationError,
    InvalidResponseError,
    KinstaConnectionError,
    KinstaError,
    KinstaTimeoutError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestBuildError,
    ServerError,
)
from kinsta_mcp.api.request import PreparedRequest, build_request
from kinsta_mcp.catalog.spec import Operation, RateClass

pytestmark = pytest.mark.anyio

SITE = {"site_id": "54fb80af-576c-4fdc-ba4f-b596c83f15a1"}
ENV = {"env_id": "54fb80af-576c-4fdc-ba4f-b596c83f15a1"}
SERVER_ERROR = {"message": "Something went wrong", "status": 500}


def upper_bound_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the jitter deterministic: always the top of its range."""
    monkeypatch.setattr(random, "uniform", lambda _low, high: high)


# -- what is sent --------------------------------------------------------------------


async def test_a_call_sends_the_built_request_with_auth_and_json(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(202, {"operation_id": "sites:add-1", "status": 202}))
    arguments = {"display_name": "Acme", "admin_password": "hunter22hunter"}
    response = await client.call(CREATE_SITE, arguments, company_id="comp-1")

    assert response == ApiResponse(202, {"operation_id": "sites:add-1", "status": 202}, response.headers)
    [request] = sent.requests
    expected = build_request(CREATE_SITE, arguments, "comp-1")
    assert request.method == "POST"
    assert request.url.path == "/v2" + expected.path
    assert json.loads(request.content) == expected.body
    assert request.headers["Authorization"] == f"Bearer {FAKE_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith(f"kinsta-mcp/{kinsta_mcp.__version__} (")


async def test_query_and_encoded_path_arrive_as_built(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply())
    await client.call(GET_LOGS, {"env_id": "env:1.a", "file_name": "access"})
    [request] = sent.requests
    expected = build_request(GET_LOGS, {"env_id": "env:1.a", "file_name": "access"})
    assert request.url.raw_path.decode().split("?")[0] == "/v2" + expected.path
    assert list(request.url.params.multi_items()) == expected.query
    assert request.content == b""


async def test_the_user_agent_can_be_replaced(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(), user_agent="acme-bot/1")
    await client.call(GET_SITE, SITE)
    assert sent.requests[0].headers["User-Agent"] == "acme-bot/1"


@pytest.mark.spec
@pytest.mark.parametrize(
    "name", ["create_site", "list_sites", "get_logs", "clear_site_cache", "delete_site", "list_regions"]
)
async def test_the_wire_request_satisfies_kinsta_document(make_client: MakeClient, name: str) -> None:
    """What leaves the client (path encoding, query, JSON body) is what Kinsta's document accepts."""
    from openapi import contract
    from samples import valid_arguments

    from kinsta_mcp.catalog import BY_NAME

    judge = contract()
    op = BY_NAME[name]
    client, sent = make_client(lambda _r: reply())
    await client.call(op, valid_arguments(op), company_id="54fb80af-576c-4fdc-ba4f-b596c83f15a1")
    [request] = sent.requests
    wire_path = request.url.raw_path.decode().split("?")[0].removeprefix("/v2")
    body = json.loads(request.content) if request.content else None
    found, problems = judge.check_request(request.method, wire_path, list(request.url.params.multi_items()), body)
    assert found is not None and found.key == op.key
    assert problems == []


async def test_any_2xx_is_success_and_an_empty_body_is_none(make_client: MakeClient) -> None:
    client, _ = make_client(sequence(reply(200, {"a": 1}), httpx.Response(204)))
    assert (await client.call(GET_SITE, SITE)).data == {"a": 1}
    empty = await client.call(GET_SITE, SITE)
    assert (empty.status, empty.data) == (204, None)


@pytest.mark.parametrize("bad_id", ["a/b", "..", "../../company", "x y", ""])
async def test_unsafe_path_ids_never_leave(make_client: MakeClient, bad_id: str) -> None:
    client, sent = make_client(lambda _r: reply())
    with pytest.raises(RequestBuildError) as caught:
        await client.call(GET_SITE, {"site_id": bad_id})
    assert isinstance(caught.value, ValueError)
    assert sent.count == 0


async def test_a_missing_company_id_is_refused_before_sending(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply())
    with pytest.raises(RequestBuildError, match="company"):
        await client.call(LIST_REGIONS, {})
    assert sent.count == 0


async def test_an_empty_key_is_refused_before_sending(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(), api_key=SecretStr(""))
    with pytest.raises(AuthenticationError, match="KINSTA_API_KEY"):
        await client.call(GET_SITE, SITE)
    assert sent.count == 0


async def test_send_takes_a_prepared_request(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(200, {"x": 1}))
    response = await client.send(PreparedRequest("GET", "/sites/abc", [("include_environments", "true")]))
    assert response.data == {"x": 1}
    assert str(sent.requests[0].url) == "https://api.kinsta.com/v2/sites/abc?include_environments=true"


async def test_the_client_is_an_async_context_manager(clock: FakeClock) -> None:
    async with KinstaClient(
        api_key=SecretStr(FAKE_KEY), clock=clock, transport=httpx.MockTransport(lambda _r: reply())
    ) as client:
        await client.call(GET_SITE, SITE)
    with pytest.raises(RuntimeError):  # closed: the pool is gone
        await client.call(GET_SITE, SITE)


# -- retries -------------------------------------------------------------------------


async def test_get_is_retried_on_500_then_gives_server_error(make_client: MakeClient, clock: FakeClock) -> None:
    client, sent = make_client(lambda _r: reply(500, SERVER_ERROR))
    with pytest.raises(ServerError) as caught:
        await client.call(GET_SITE, SITE)
    assert sent.count == 5  # 1 + max_retries
    assert len(clock.sleeps) == 4
    assert caught.value.kinsta_message == "Something went wrong"


async def test_get_recovers_when_a_retry_succeeds(make_client: MakeClient) -> None:
    client, sent = make_client(sequence(reply(503, SERVER_ERROR), reply(200, {"site": {}})))
    assert (await client.call(GET_SITE, SITE)).data == {"site": {}}
    assert sent.count == 2


async def test_post_is_not_retried_on_500(make_client: MakeClient, clock: FakeClock) -> None:
    client, sent = make_client(lambda _r: reply(500, SERVER_ERROR))
    with pytest.raises(ServerError) as caught:
        await client.call(CLEAR_CACHE, ENV)
    assert sent.count == 1
    assert clock.sleeps == []
    text = str(caught.value)
    assert "Something went wrong" in text
    assert "may or may not have been applied" in text
    assert "check before retrying" in text


@pytest.mark.parametrize(
    ("failure", "get_error"),
    [
        (httpx.ReadTimeout("read timed out"), KinstaTimeoutError),
        (httpx.WriteTimeout("write timed out"), KinstaTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), KinstaConnectionError),
        (httpx.ReadError("connection reset"), KinstaConnectionError),
    ],
)
async def test_failures_after_sending_retry_reads_but_never_writes(
    make_client: MakeClient, clock: FakeClock, failure: Exception, get_error: type[KinstaError]
) -> None:
    client, sent = make_client(sequence(failure))
    with pytest.raises(get_error):
        await client.call(GET_SITE, SITE)
    assert sent.count == 5

    client, sent = make_client(sequence(failure))
    with pytest.raises(OutcomeUnknownError) as caught:
        await client.call(CLEAR_CACHE, ENV)
    assert sent.count == 1
    text = str(caught.value)
    assert "clear_site_cache" in text
    assert "outcome is unknown" in text
    assert "get_operation" in text


@pytest.mark.parametrize("failure", [httpx.ConnectError("connection refused"), httpx.ConnectTimeout("no connect")])
async def test_failures_to_connect_are_retried_for_writes_too(make_client: MakeClient, failure: Exception) -> None:
    client, sent = make_client(sequence(failure, reply(202, {"operation_id": "op-1"})))
    assert (await client.call(CLEAR_CACHE, ENV)).data == {"operation_id": "op-1"}
    assert sent.count == 2

    client, sent = make_client(sequence(failure))
    with pytest.raises(KinstaConnectionError, match="after 5 attempts"):
        await client.call(CLEAR_CACHE, ENV)
    assert sent.count == 5


async def test_429_is_retried_for_a_post_after_retry_after(make_client: MakeClient, clock: FakeClock) -> None:
    limited = reply(429, {"message": "Too many requests", "status": 429}, headers={"Retry-After": "7"})
    client, sent = make_client(sequence(limited, reply(202, {"operation_id": "op-1"})))
    response = await client.call(CLEAR_CACHE, ENV)
    assert response.status == 202
    assert sent.count == 2
    assert clock.sleeps == [7.0]  # the limiter's hold ends with the client's wait: no second sleep


async def test_429_without_headers_backs_off_then_gives_rate_limited(
    make_client: MakeClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    upper_bound_jitter(monkeypatch)
    client, sent = make_client(lambda _r: reply(429, {"message": "Too many requests", "status": 429}))
    with pytest.raises(RateLimitedError) as caught:
        await client.call(CREATE_SITE, {"display_name": "A", "admin_password": "hunter22hunter"}, company_id="c")
    assert sent.count == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert "Too many requests" in str(caught.value)
    assert "Try again" in str(caught.value)


async def test_a_429_asking_for_a_very_long_wait_is_reported_at_once(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(429, {"message": "slow down"}, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitedError) as caught:
        await client.call(GET_SITE, SITE)
    assert sent.count == 1
    assert caught.value.retry_after == 3600.0
    assert "3600 seconds" in str(caught.value)


async def test_backoff_grows_and_is_capped(
    make_client: MakeClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    upper_bound_jitter(monkeypatch)
    client, _ = make_client(lambda _r: reply(500, SERVER_ERROR), max_retries=6, backoff_base=0.5, backoff_max=3.0)
    with pytest.raises(ServerError):
        await client.call(GET_SITE, SITE)
    assert clock.sleeps == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


async def test_backoff_is_jittered_within_its_range(make_client: MakeClient) -> None:
    client, _ = make_client(lambda _r: reply(), backoff_base=1.0, backoff_max=8.0)
    for retry in range(6):
        ceiling = min(8.0, 2.0**retry)
        delays = {client.backoff(retry) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered, not fixed


async def test_no_retries_when_max_retries_is_zero(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: reply(500, SERVER_ERROR), max_retries=0)
    with pytest.raises(ServerError):
        await client.call(GET_SITE, SITE)
    assert sent.count == 1


async def test_an_overall_deadline_bounds_transports_that_ignore_timeouts(make_client: MakeClient) -> None:
    async def never_answers(_request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    # The deadline is real time (the ASGI case has no other clock); keep it to milliseconds.
    options: dict[str, Any] = {"connect_timeout": 0.001, "read_timeout": 0.004, "max_retries": 0}
    client, _ = make_client(never_answers, **options)
    with pytest.raises(KinstaTimeoutError):
        await client.call(GET_SITE, SITE)
    client, sent = make_client(never_answers, **options)
    with pytest.raises(OutcomeUnknownError):
        await client.call(CLEAR_CACHE, ENV)
    assert sent.count == 1


# -- rate limits through the client ----------------------------------------------------


async def test_calls_use_the_operation_rate_class_and_the_company_bucket(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client, sent = make_client(lambda _r: reply(202, {"operation_id": "op"}))
    arguments = {"display_name": "A", "admin_password": "hunter22hunter"}
    for _ in range(5):
        await client.call(CREATE_SITE, arguments, company_id="acme")
    await client.call(CREATE_SITE, arguments, company_id="globex")  # another company: its own bucket
    assert clock.sleeps == []
    await client.call(CREATE_SITE, arguments, company_id="acme")
    assert clock.sleeps == [60.0]
    assert sent.count == 7


async def test_without_a_company_id_the_key_selects_the_bucket(make_client: MakeClient, clock: FakeClock) -> None:
    client, _ = make_client(lambda _r: reply())
    for _ in range(36):
        await client.call(GET_LOGS, ENV)
    assert clock.sleeps == [60.0]
    assert client.limiter.wait_time(f"key-{FAKE_KEY}", RateClass.LOGS) == 0  # the bucket is not named by the key


async def test_rate_limit_headers_on_a_success_hold_the_next_call(make_client: MakeClient, clock: FakeClock) -> None:
    client, _ = make_client(
        sequence(reply(200, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "25"}), reply(200))
    )
    await client.call(GET_SITE, SITE, company_id="acme")
    await client.call(GET_SITE, SITE, company_id="acme")
    assert clock.sleeps == [25.0]


async def test_send_counts_against_the_given_bucket_and_class(make_client: MakeClient, clock: FakeClock) -> None:
    client, _ = make_client(lambda _r: reply())
    request = PreparedRequest("POST", "/sites/clone", body={"company": "acme"})
    for _ in range(6):
        await client.send(request, rate=RateClass.CREATE, bucket="acme")
    assert clock.sleeps == [60.0]


# -- responses that are not JSON ---------------------------------------------------------


async def test_a_success_that_is_not_json_is_an_invalid_response(make_client: MakeClient) -> None:
    html = "<html>" + "x" * 1000 + "</html>"
    client, _ = make_client(lambda _r: httpx.Response(200, text=html))
    with pytest.raises(InvalidResponseError) as caught:
        await client.call(GET_SITE, SITE)
    error = caught.value
    assert error.status == 200
    assert "<html>xxx" in str(error)
    assert len(str(error)) < 500  # a snippet, not the page


async def test_a_gateway_error_page_on_a_read_is_retried_then_a_server_error(make_client: MakeClient) -> None:
    client, sent = make_client(lambda _r: httpx.Response(502, text="<h1>Bad Gateway</h1>"))
    with pytest.raises(ServerError) as caught:
        await client.call(GET_SITE, SITE)
    assert sent.count == 5
    assert "Bad Gateway" in str(caught.value)
    assert caught.value.status == 502


async def test_an_unexpected_status_without_json_is_an_invalid_response(make_client: MakeClient) -> None:
    client, _ = make_client(lambda _r: httpx.Response(418, text="teapot"))
    with pytest.raises(InvalidResponseError, match="418") as caught:
        await client.call(GET_SITE, SITE)
    assert caught.value.status == 418


# -- the key stays secret --------------------------------------------------------------


def test_repr_hides_the_key(make_client: MakeClient) -> None:
    client, _ = make_client(lambda _r: reply())
    assert FAKE_KEY not in repr(client)
    assert FAKE_KEY not in str(client)
    assert "api.kinsta.com" in repr(client)


ECHO_KEY = {"message": f"Invalid token Bearer {FAKE_KEY}", "status": 401}


@pytest.mark.parametrize(
    ("op", "handler"),
    [
        (GET_SITE, lambda _r: reply(401, ECHO_KEY)),
        (GET_SITE, lambda _r: httpx.Response(500, text=f"debug: Authorization: Bearer {FAKE_KEY}")),
        (GET_SITE, sequence(httpx.ReadTimeout("timeout"))),
        (CLEAR_CACHE, sequence(httpx.RemoteProtocolError("dropped"))),
        (GET_SITE, sequence(httpx.ConnectError("refused"))),
        (GET_SITE, lambda _r: reply(429, {"message": "slow"})),
        (GET_SITE, lambda _r: httpx.Response(200, text=f"not json {FAKE_KEY}")),
    ],
)
async def test_the_key_never_appears_in_errors_or_logs(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture, op: Operation, handler: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(handler)
    arguments = SITE if op is GET_SITE else ENV
    with pytest.raises(KinstaError) as caught:
        await client.call(op, arguments)
    error = caught.value
    assert FAKE_KEY not in str(error)
    assert FAKE_KEY not in repr(error)
    assert FAKE_KEY not in str(error.kinsta_message)
    assert FAKE_KEY not in str(error.data)
    assert FAKE_KEY not in caplog.text
    assert any(r.name == "kinsta_mcp.api" for r in caplog.records)  # the logs were on, and said something


async def test_debug_logs_show_the_request_but_never_its_body(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kinsta_mcp.api")
    client, _ = make_client(lambda _r: reply(202, {"operation_id": "op-RESPONSE-BODY"}))
    await client.call(CREATE_SITE, {"display_name": "Acme-BODY", "admin_password": "pw-NOT-LOGGED"}, company_id="c1")
    api_records = [r.getMessage() for r in caplog.records if r.name == "kinsta_mcp.api"]
    assert any("POST /sites" in m and "display_name" in m for m in api_records)  # the request, its field names
    assert any("-> 202" in m and "ms" in m and "bytes" in m for m in api_records)  # the response
    for value in ("Acme-BODY", "pw-NOT-LOGGED", "op-RESPONSE-BODY", "body=", FAKE_KEY, "Authorization"):
        assert value not in caplog.text  # no value of either body, at debug level


@pytest.mark.anyio
async def test_a_definitive_server_error_is_not_retried_when_asked() -> None:
    """/operations/{id} answers 500 for a failed operation: that is the answer, not a hiccup."""
    from kinsta_mcp.catalog import BY_NAME

    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500, json={"message": "Restore failed", "status": 500})

    clock = FakeClock()
    client = KinstaClient(
        api_key=SecretStr("k-test"), base_url="https://api.test/v2", transport=httpx.MockTransport(handler), clock=clock
    )
    with pytest.raises(ServerError) as caught:
        await client.call(BY_NAME["get_operation"], {"operation_id": "op-1"}, retry_server_errors=False)
    assert len(sent) == 1 and "Restore failed" in str(caught.value)
    with pytest.raises(ServerError):
        await client.call(BY_NAME["get_operation"], {"operation_id": "op-1"})
    assert len(sent) == 1 + 1 + client.max_retries
    await client.aclose()
