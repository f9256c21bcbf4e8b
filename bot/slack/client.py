"""The one WebClient, with retries, and Slack errors mapped to what callers can act on.

Rate limits (429 + Retry-After), 5xx answers and dropped connections are retried by
slack_sdk's retry handlers. What is still failing afterwards is classified: transient
errors are worth another attempt later (a durable reminder is rescheduled), permanent ones
(channel archived, user gone) are recorded and reported, never retried forever. The error
classes live in bot/slack/errors.py.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack.errors import SlackDeliveryError, SlackUnreachable, error_for

__all__ = ["SlackDeliveryError", "classify", "make_web_client"]


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
    """Turn a slack_sdk exception into the typed error of bot/slack/errors.py.

    Anything that is not a Slack or connection failure is a bug and is raised as it is.
    """
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", "")) or f"http_{exc.response.status_code}"
        return error_for(method, error)
    if isinstance(exc, SlackClientError | OSError | TimeoutError):
        return SlackUnreachable(method, type(exc).__name__)
    raise exc
