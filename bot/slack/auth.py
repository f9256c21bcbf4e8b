"""The start-up check of the bot token (``auth.test``), retried while Slack is unreachable.

Bolt would otherwise call ``auth.test`` inside the first request of every process, and
with Slack slow or the token wrong that request answers 500 seconds later. Checking once
before serving turns a wrong token into a clear start-up failure and lets every request
use the identity found here (see handlers/authorization.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import ConfigError
from bot.slack.client import make_web_client

log = logging.getLogger(__name__)

# Answers that mean "Slack is having a moment", not "this token is wrong".
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
FIRST_DELAY = 1.0
MAX_DELAY = 15.0


@dataclass(frozen=True)
class BotIdentity:
    """Who the token is: what Bolt needs to authorize requests without asking Slack."""

    team_id: str
    bot_user_id: str
    bot_id: str | None = None
    enterprise_id: str | None = None
    team: str | None = None


class SlackTokenRejected(ConfigError):
    """Slack answered and refused the token: a configuration error, start-up stops."""


class SlackUnreachable(RuntimeError):
    """Slack did not answer within SLACK_STARTUP_TIMEOUT."""


def check_bot_token(
    token: str,
    api_url: str,
    *,
    timeout: timedelta,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    client: WebClient | None = None,
) -> BotIdentity:
    """``auth.test`` until Slack answers, with doubling pauses, for at most ``timeout``."""
    client = client or make_web_client(token, api_url, max_retries=0)
    deadline = monotonic() + timeout.total_seconds()
    delay = FIRST_DELAY
    while True:
        try:
            response = client.auth_test()
            return BotIdentity(
                team_id=str(response.get("team_id") or ""),
                bot_user_id=str(response.get("user_id") or ""),
                bot_id=response.get("bot_id"),
                enterprise_id=response.get("enterprise_id"),
                team=response.get("team"),
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if exc.response.status_code < 500 and error not in TRANSIENT_ERRORS:
                raise SlackTokenRejected(
                    f"Slack refused SLACK_BOT_TOKEN ({error or exc.response.status_code}). "
                    "Copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & "
                    "Permissions page, and check that the app is installed to the workspace."
                ) from None
            problem = error or f"HTTP {exc.response.status_code}"
        except (SlackClientError, OSError) as exc:
            problem = type(exc).__name__
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise SlackUnreachable(
                f"Slack at SLACK_API_URL={api_url} did not answer auth.test within "
                f"SLACK_STARTUP_TIMEOUT ({timeout}); last problem: {problem}. "
                "Liaison checks SLACK_BOT_TOKEN before serving; start it again once Slack "
                "is reachable."
            )
        log.warning("Slack is not reachable yet (%s); checking the token again in %.0fs",
                    problem, min(delay, remaining))  # fmt: skip
        sleep(min(delay, remaining))
        delay = min(delay * 2, MAX_DELAY)
