"""The one WebClient, with retries, and Slack errors mapped to what callers can act on.

Rate limits (429 + Retry-After), 5xx answers and dropped connections are retried by
slack_sdk's retry handlers. What is still failing afterwards is classified: transient
errors are worth another attempt later (a durable reminder is rescheduled), permanent ones
(channel archived, user gone) are recorded and reported, never retried forever.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.jobs.failures import JobFailure

PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "is_archived",
        "messages_tab_disabled",
        "method_not_supported_for_channel_type",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "no_such_subteam",
        "restricted_action",
        "token_revoked",
        "user_disabled",
        "user_is_inactive",
        "user_not_found",
        "users_not_found",
        "user_not_visible",
        "invalid_blocks",
        "invalid_arguments",
    }
)


class SlackDeliveryError(JobFailure):
    """A Web API call failed after retries. ``permanent`` says whether retrying can help
    (the durable jobs' failure protocol, see bot/jobs/failures.py)."""

    def __init__(self, method: str, error: str, *, permanent: bool) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.permanent = permanent


def make_web_client(token: str, base_url: str, *, max_retries: int = 3) -> WebClient:
    """A WebClient pointed at ``SLACK_API_URL`` that rides out 429s, 5xx and resets."""
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def classify(method: str, exc: Exception) -> SlackDeliveryError:
    """Turn a slack_sdk exception into a SlackDeliveryError that says if it is permanent."""
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", "")) or f"http_{exc.response.status_code}"
        return SlackDeliveryError(method, error, permanent=error in PERMANENT_ERRORS)
    if isinstance(exc, SlackClientError | OSError | TimeoutError):
        return SlackDeliveryError(method, type(exc).__name__, permanent=False)
    raise exc
