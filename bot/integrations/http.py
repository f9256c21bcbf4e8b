"""The HTTP client every outgoing integration (help desks, on-call, backlog, status pages)
shares: one keep-alive connection pool per system, a few quick retries, and one verdict.

Why one client: each system answers failure the same few ways (429 with Retry-After, 5xx,
a dropped connection, a timeout, 4xx for a request that will never work). Getting the
verdict right once means the durable jobs that make these calls retry what can succeed
later and record what never will, for every system alike. Retries inside a call stay few
and short (a job's lease is ticking); anything longer goes back to the job queue with the
delay the service asked for (``IntegrationError.retry_after``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from bot.call_metrics import ERROR, TIMEOUT, record_call
from bot.jobs.failures import JobFailure

log = logging.getLogger(__name__)

# Answers that can succeed if asked again later; every other 4xx is the request's fault.
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# Longest pause taken inside a call; a longer Retry-After goes back to the job queue.
MAX_INLINE_WAIT = 5.0


class IntegrationError(JobFailure):
    """An outgoing call that failed; speaks the jobs' failure protocol.

    ``permanent`` failures (bad credentials, a ticket that does not exist, a request the
    service refuses) are recorded and reported, never retried; the rest are retried by the
    job queue, no sooner than ``retry_after`` seconds when the service said so.
    """

    def __init__(
        self,
        system: str,
        what: str,
        *,
        status: int | None = None,
        permanent: bool,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        reason = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{system} {what} failed: {reason}{f' ({detail})' if detail else ''}")
        self.system = system
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class ClientConfig:
    """How to reach one system: its base URL setting, credentials and patience."""

    system: str  # a name people read in logs and error messages: "Zendesk", "PagerDuty"
    base_url: str
    headers: Mapping[str, str]
    auth: tuple[str, str] | None = None
    timeout: float = 10.0
    attempts: int = 3


class IntegrationClient:
    """A JSON-over-HTTP client for one system; thread-safe (httpx.Client is)."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        sleep: Callable[[float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            headers=dict(config.headers),
            auth=config.auth,
            timeout=config.timeout,
            transport=transport,
            limits=httpx.Limits(max_keepalive_connections=8, max_connections=16),
        )
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying transient failures briefly; raise IntegrationError.

        ``what`` names the operation for people ("add a comment to ticket 42").
        """
        label = what or f"{method} {path}"
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.config.attempts)),
            retry=retry_if_exception(_worth_retrying_now),
            wait=_wait_as_told,
            reraise=True,
            **({"sleep": self._sleep} if self._sleep is not None else {}),
        )
        return retrying(self._send, method, path, label, json, params, content, headers)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` and decode the JSON answer (an empty answer is None)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise IntegrationError(
                self.config.system,
                kwargs.get("what") or f"{method} {path}",
                status=response.status_code,
                permanent=False,
                detail="the answer was not JSON",
            ) from exc

    def _send(
        self,
        method: str,
        path: str,
        label: str,
        json: Any,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        system = self.config.system
        try:
            response = self._http.request(
                method, path, json=json, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            record_call(system, method.upper(), TIMEOUT)
            raise IntegrationError(system, label, permanent=False, detail="timed out") from exc
        except httpx.TransportError as exc:
            record_call(system, method.upper(), ERROR)
            detail = type(exc).__name__
            raise IntegrationError(system, label, permanent=False, detail=detail) from exc
        record_call(system, method.upper(), response.status_code)
        if response.is_success:
            return response
        status = response.status_code
        raise IntegrationError(
            system,
            label,
            status=status,
            permanent=status not in TRANSIENT_STATUSES and status < 500,
            retry_after=retry_after_seconds(
                response.headers.get("Retry-After"), response.headers.get("Date")
            ),
            detail=_short_reason(response),
        )


def retry_after_seconds(value: str | None, sent_at: str | None = None) -> float | None:
    """Retry-After as seconds, from either form the header may take.

    The date form is measured against the answer's own ``Date`` header, so no local clock
    is read here; without one the date form is ignored (the job's backoff applies).
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        until = parsedate_to_datetime(value)
        now = parsedate_to_datetime(sent_at) if sent_at else None
    except (TypeError, ValueError):
        return None
    return None if now is None else max(0.0, (until - now).total_seconds())


def _worth_retrying_now(exc: BaseException) -> bool:
    if not isinstance(exc, IntegrationError) or exc.permanent:
        return False
    return exc.retry_after is None or exc.retry_after <= MAX_INLINE_WAIT


def _wait_as_told(state: RetryCallState) -> float:
    """The service's Retry-After when it gave one, else a short doubling pause."""
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    told = getattr(exc, "retry_after", None)
    if isinstance(told, int | float):
        return float(told)
    return min(0.25 * 2 ** (state.attempt_number - 1), 2.0)


def _short_reason(response: httpx.Response) -> str:
    """A short, secret-free reason from an error answer, for logs and the job's record."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if isinstance(body, dict):
        for key in ("error", "message", "description", "errors", "errorMessages"):
            if body.get(key):
                return str(body[key])[:200]
    return response.reason_phrase or ""
