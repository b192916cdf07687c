"""KinstaClient: sends declared operations to Kinsta's API v2.

Bearer auth, one reused connection pool, timeouts that also hold for in-process transports,
retries only where repeating is safe, Kinsta's rate limits kept locally, and typed errors
that keep Kinsta's own message. Knows the catalog's declarations and HTTP, nothing of MCP.

Everything Kinsta answers is third-party text (names chosen by a site's owners, plugin names,
log lines): it is cleaned here, where it enters, by `untrusted.clean_answer`, so every layer
above (results, resources, completions, previews, names) only ever sees clean, one-line names.
Nothing of a request or response body is logged at any level.

Retry rule: a request answered 429 was not processed, so any request is retried after the
wait Kinsta asks for. A GET is also retried on 5xx, timeouts and dropped connections. A write
is never sent twice once it may have reached Kinsta: only failures to connect (which happen
before anything is sent) are retried for writes; otherwise the caller gets
OutcomeUnknownError (or ServerError for a 5xx) saying the change may or may not have happened.
Once a write is sent, a cancelled caller still gets its answer (the attempt is shielded, bounded by
the timeouts): the caller's bookkeeping then records the operation Kinsta started.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio
from pydantic import SecretStr

from kinsta_mcp import __version__
from kinsta_mcp.api.clock import Clock, SystemClock
from kinsta_mcp.api.errors import (
    API_KEY_CONFIG,
    API_KEY_ENV,
    AuthenticationError,
    InvalidResponseError,
    KinstaConnectionError,
    KinstaError,
    KinstaTimeoutError,
    NoRateSlotError,
    OutcomeUnknownError,
    error_for_status,
)
from kinsta_mcp.api.ratelimit import RateLimiter, SlotTooLate, call_time_left, check_slot_in_time, retry_delay
from kinsta_mcp.api.request import PreparedRequest, RequestBuildError, build_request
from kinsta_mcp.catalog.spec import Operation, RateClass
from kinsta_mcp.redaction import is_secret_name, redact
from kinsta_mcp.untrusted import clean_answer, single_line

if TYPE_CHECKING:  # httpx is imported on first use: start-up (answering initialize) does not need it
    import httpx

logger = logging.getLogger("kinsta_mcp.api")

DEFAULT_BASE_URL = "https://api.kinsta.com/v2"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A 429 asking for a longer wait than this is reported at once rather than waited out.
MAX_RATE_LIMIT_WAIT = 120.0
_SNIPPET_CHARS = 200


@dataclass(frozen=True)
class ApiResponse:
    status: int
    data: Any  # the parsed JSON body (None for an empty body)
    headers: Mapping[str, str]


def _redact_query(query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, "***" if is_secret_name(k) else v) for k, v in query]


class _Failure(Exception):
    """An attempt got no HTTP answer. `maybe_sent`: the request may have reached Kinsta."""

    def __init__(self, kind: str, detail: str, *, maybe_sent: bool) -> None:
        super().__init__(detail)
        self.kind = kind  # "timeout", "connection" or "deadline" (the call had to answer first)
        self.detail = detail
        self.maybe_sent = maybe_sent


class KinstaClient:
    """Async client for Kinsta's API v2. Use as `async with KinstaClient(api_key=...) as client:`."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        base_url: str = DEFAULT_BASE_URL,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        clock: Clock | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        user_agent: str | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.clock: Clock = clock or SystemClock()
        self.limiter = limiter or RateLimiter(self.clock)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        secret = api_key.get_secret_value()
        # Requests without a company id share a bucket named after the key, never containing it.
        self._key_bucket = "key-" + hashlib.sha256(secret.encode()).hexdigest()[:12]
        headers = {
            "Accept": "application/json",
            "User-Agent": user_agent or f"kinsta-mcp/{__version__} (MCP server for Kinsta; python-httpx)",
        }
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        self._transport = transport
        self._headers = headers
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use (reused for every request after)."""
        if self._client is None:
            import httpx

            timeout = httpx.Timeout(
                connect=self.connect_timeout, read=self.read_timeout, write=self.read_timeout, pool=self.connect_timeout
            )
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                transport=self._transport,
                headers=self._headers,
                timeout=timeout,
                follow_redirects=False,
            )
        return self._client

    def __repr__(self) -> str:
        return f"KinstaClient(base_url={self.base_url!r}, api_key=SecretStr('**********'))"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- public calls ------------------------------------------------------------------

    async def call(
        self,
        op: Operation,
        arguments: Mapping[str, Any],
        *,
        company_id: str | None = None,
        retry_server_errors: bool = True,
    ) -> ApiResponse:
        """Send `op` with validated `arguments`. Raises RequestBuildError (nothing sent) or a KinstaError.

        `retry_server_errors=False` for a GET whose 5xx is a definitive answer (an operation
        that failed answers 500 at /operations/{id}).
        """
        request = build_request(op, arguments, company_id)
        return await self._send(
            request,
            rate=op.rate,
            bucket=company_id or self._key_bucket,
            operation=op.name,
            retry_server_errors=retry_server_errors,
        )

    def slot_wait(self, op: Operation, company_id: str | None = None) -> float:
        """Seconds until the rate limiter has a slot for `op` in the company's budget (0: now; callers already
        waiting aside)."""
        return self.limiter.wait_time(company_id or self._key_bucket, op.rate)

    async def send(
        self, request: PreparedRequest, *, rate: RateClass = RateClass.STANDARD, bucket: str | None = None
    ) -> ApiResponse:
        """Send a prepared request; `bucket` names the company whose rate limit it counts against."""
        return await self._send(request, rate=rate, bucket=bucket or self._key_bucket, operation=None)

    # -- internals ---------------------------------------------------------------------

    def backoff(self, retry: int) -> float:
        """Wait before retry number `retry` (0-based): exponential, capped, jittered in its upper half."""
        ceiling = min(self.backoff_max, self.backoff_base * 2**retry)
        return random.uniform(ceiling / 2, ceiling)

    @staticmethod
    def _no_slot(what: str, wait: float) -> NoRateSlotError:
        """The calling tool must answer before Kinsta's rate budget has a slot for this request."""
        seconds = max(1, math.ceil(wait))
        return NoRateSlotError(
            f"{what}: Kinsta's rate budget for this company has no free request slot for {seconds} s, longer than "
            f"this call may still wait. Nothing more was sent; try again in {seconds} s.",
            retry_after=float(seconds),
        )

    def _scrub(self, text: str) -> str:
        secret = self._api_key.get_secret_value()
        return text.replace(secret, "***") if secret else text

    async def _send(
        self,
        request: PreparedRequest,
        *,
        rate: RateClass,
        bucket: str,
        operation: str | None,
        retry_server_errors: bool = True,
    ) -> ApiResponse:
        method = request.method.upper()
        target = f"{method} {request.path}"
        name = operation or target
        if not self._api_key.get_secret_value():
            raise AuthenticationError(
                f"No Kinsta API key is configured, so {name} was not sent. Create a key in MyKinsta > "
                f"Company settings > API Keys and set it in the {API_KEY_ENV} environment variable "
                f"(or `{API_KEY_CONFIG}` in the config file).",
                operation=name,
            )
        safe = method in SAFE_METHODS
        retry = 0
        while True:
            try:
                await self.limiter.acquire(bucket, rate, write=not safe)
            except SlotTooLate as late:  # the calling tool must answer before a slot comes
                again = "" if retry == 0 else " again (an earlier attempt failed)"
                raise self._no_slot(f"{name} was not sent{again}", late.wait) from None
            try:
                if safe:
                    response = await self._attempt(request, method, retry)
                else:  # a write on the wire: its answer is awaited (bounded) even if the caller is cancelled
                    with anyio.CancelScope(shield=True):
                        response = await self._attempt(request, method, retry)
            except _Failure as failure:
                answer_now = failure.kind == "deadline"  # the call must answer now: no second attempt
                if (safe or not failure.maybe_sent) and retry < self.max_retries and not answer_now:
                    await self._wait_before_retry(target, retry, failure.detail)
                    retry += 1
                    continue
                raise self._failure_error(failure, method=method, target=target, name=name, attempts=retry + 1) from (
                    failure.__cause__
                )

            self.limiter.note_headers(bucket, response.headers)
            status = response.status_code
            if 200 <= status < 300:
                try:
                    data = self._parse_success(response, name, target)
                except InvalidResponseError:
                    # A garbled answer (a proxy, a cut body) to a read: asking again is safe.
                    if safe and retry < self.max_retries:
                        await self._wait_before_retry(target, retry, "the answer was not JSON")
                        retry += 1
                        continue
                    raise
                return ApiResponse(status, data, response.headers)

            if status == 429 and retry < self.max_retries:
                asked = retry_delay(response.headers)
                if asked is None or asked <= MAX_RATE_LIMIT_WAIT:
                    delay = asked if asked is not None else self.backoff(retry)
                    logger.info("%s: rate limited (429), retrying in %.1f s", target, delay)
                    try:
                        check_slot_in_time(delay)
                    except SlotTooLate:
                        refused = f"{name} was not done: Kinsta refused it (429, rate limit; nothing changed)"
                        raise self._no_slot(refused, delay) from None
                    await self.clock.sleep(delay)
                    retry += 1
                    continue
            if status >= 500 and safe and retry_server_errors and retry < self.max_retries:
                await self._wait_before_retry(target, retry, f"HTTP {status}")
                retry += 1
                continue
            raise self._status_error(response, method=method, target=target, name=name, path=request.path)

    async def _attempt(self, request: PreparedRequest, method: str, retry: int) -> httpx.Response:
        """One request, bounded by an overall deadline (in-process transports ignore httpx's timeouts)."""
        import httpx

        if logger.isEnabledFor(logging.DEBUG):  # the body's field names at most, never its values
            logger.debug(
                "request %s %s query=%s body_fields=%s attempt=%d",
                method,
                request.path,
                _redact_query(request.query),
                ",".join(sorted(request.body)) if isinstance(request.body, dict) else "-",
                retry + 1,
            )
        started = self.clock.monotonic()
        limit, by_call = self.connect_timeout + self.read_timeout, False
        left = call_time_left.get()
        if left is not None and (seconds := left()) < limit:  # the call answers before the timeout would end
            limit, by_call = max(0.0, seconds), True
        try:
            with anyio.fail_after(limit):
                response = await self._http.request(
                    method,
                    request.path,
                    params=tuple(request.query) or None,
                    json=request.body if request.body is not None else None,
                )
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _Failure("connection", f"timed out connecting ({type(exc).__name__})", maybe_sent=False) from exc
        except (httpx.ConnectError, httpx.ProxyError) as exc:
            raise _Failure("connection", f"could not connect ({type(exc).__name__})", maybe_sent=False) from exc
        except httpx.InvalidURL as exc:  # e.g. a huge query argument: nothing was sent
            raise RequestBuildError(
                f"The request {method} {request.path} cannot be sent: {exc}. Nothing was sent; shorten the arguments."
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise KinstaConnectionError(
                f"Cannot reach Kinsta: the base URL {self.base_url!r} is not an http(s) URL. "
                "Fix the configured base URL."
            ) from exc
        except TimeoutError as exc:
            if by_call:
                raise _Failure("deadline", "no answer by the time this call had to answer", maybe_sent=True) from exc
            raise _Failure("timeout", f"no answer in time ({type(exc).__name__})", maybe_sent=True) from exc
        except httpx.TimeoutException as exc:
            raise _Failure("timeout", f"no answer in time ({type(exc).__name__})", maybe_sent=True) from exc
        except httpx.TransportError as exc:
            raise _Failure("connection", f"the connection broke ({type(exc).__name__})", maybe_sent=True) from exc
        except httpx.HTTPError as exc:  # e.g. a body that cannot be decoded
            raise InvalidResponseError(
                f"Kinsta's answer to {method} {request.path} could not be read ({type(exc).__name__})."
            ) from exc
        logger.debug(
            "response %s %s -> %d in %.0f ms, %d bytes",
            method,
            request.path,
            response.status_code,
            (self.clock.monotonic() - started) * 1000,
            len(response.content),
        )
        return response

    async def _wait_before_retry(self, target: str, retry: int, reason: str) -> None:
        delay = self.backoff(retry)
        logger.info("%s: %s, retry %d of %d in %.1f s", target, reason, retry + 1, self.max_retries, delay)
        await self.clock.sleep(delay)

    def _snippet(self, response: httpx.Response) -> str:
        return single_line(self._scrub(response.text[:_SNIPPET_CHARS]))

    def _parse_success(self, response: httpx.Response, name: str, target: str) -> Any:
        if not response.content:
            return None
        try:
            return clean_answer(response.json())
        except ValueError:
            advice = (
                "Try again later."
                if response.request.method in SAFE_METHODS
                else "The change may have been applied; check before retrying."
            )
            raise InvalidResponseError(
                f"Kinsta answered {name} ({target}) with HTTP {response.status_code} but the body is not JSON: "
                f"{self._snippet(response)!r}. {advice}",
                status=response.status_code,
                data=self._snippet(response),
                operation=name,
            ) from None

    def _status_error(self, response: httpx.Response, *, method: str, target: str, name: str, path: str) -> KinstaError:
        status = response.status_code
        kinsta_message: str | None = None
        data: Any = None
        not_json = False
        if response.content:
            try:
                body = response.json()
            except ValueError:
                not_json = True
                data = self._snippet(response)
            else:
                if isinstance(body, dict):
                    message = body.get("message")
                    kinsta_message = single_line(self._scrub(message)) if isinstance(message, str) and message else None
                    data = clean_answer(body.get("data"))
                else:
                    data = clean_answer(body)
        known = status in (400, 401, 403, 404, 429) or status >= 500
        if not_json and not known:
            return InvalidResponseError(
                f"Kinsta answered {name} ({target}) with HTTP {status} and a body that is not JSON: {data!r}.",
                status=status,
                data=data,
                operation=name,
            )
        error = error_for_status(
            status,
            operation=name,
            method=method,
            path=path,
            kinsta_message=kinsta_message,
            data=data,
            retry_after=retry_delay(response.headers) if status == 429 else None,
        )
        if not_json:
            # The status still says what happened (a proxy's HTML 502 is a server error); keep the text too.
            error.message += f" (The answer was not JSON: {data!r}.)"
            error.args = (error.message,)
        return error

    def _failure_error(self, failure: _Failure, *, method: str, target: str, name: str, attempts: int) -> KinstaError:
        tries = f"after {attempts} attempts" if attempts > 1 else "(not retried)"
        if failure.maybe_sent and method not in SAFE_METHODS:
            return OutcomeUnknownError(
                f"{name} ({target}) was sent, but {failure.detail} before Kinsta answered: the outcome is unknown, "
                "the change may or may not have been applied. It was not retried, because repeating it could apply "
                "it twice. Check first: look at the resource with the matching list/get tool, follow a started "
                "operation with get_operation, or read the company's activity log; retry only if nothing changed.",
                operation=name,
            )
        if failure.kind == "deadline":
            return KinstaTimeoutError(
                f"Kinsta had not answered {name} ({target}) when this call had to answer (its deadline, "
                "call_deadline, keeps it within the client's time limit). Nothing changed: it is a read. "
                "Try again; Kinsta may be slow right now.",
                operation=name,
            )
        if failure.kind == "timeout":
            return KinstaTimeoutError(
                f"Kinsta did not answer {name} ({target}) within {self.connect_timeout + self.read_timeout:.0f} s "
                f"{tries}: {failure.detail}. Try again later, or raise the read timeout if the call is slow.",
                operation=name,
            )
        return KinstaConnectionError(
            f"Cannot reach Kinsta at {self.base_url} for {name} ({target}) {tries}: {failure.detail}. "
            "Check the network, DNS, proxy (HTTPS_PROXY) and TLS settings, and the configured base URL.",
            operation=name,
        )


__all__ = ["DEFAULT_BASE_URL", "ApiResponse", "KinstaClient", "redact"]
