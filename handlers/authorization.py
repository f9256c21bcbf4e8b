"""Bolt's ``authorize``: the bot identity checked at start-up, never ``auth.test`` per request.

Bolt's single-workspace mode calls ``auth.test`` inside the first request of each process
(so a slow Slack or a wrong token made that request answer 500 after seconds). Given an
``authorize`` function and a client without a token, Bolt instead asks this object, which
answers from the identity app.py checked before serving.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.slack.auth import BotIdentity


class StartupAuthorization:
    def __init__(self, token: str) -> None:
        self._token = token
        self.identity: BotIdentity | None = None

    def accept(self, identity: BotIdentity) -> None:
        self.identity = identity

    def authorizer(self) -> Callable[..., AuthorizeResult | None]:
        """A plain function: Bolt passes arguments by the names in its signature."""

        def authorize(user_id: str | None) -> AuthorizeResult | None:
            identity = self.identity
            if identity is None:  # not checked yet: Bolt answers with its install error
                return None
            return AuthorizeResult(
                enterprise_id=identity.enterprise_id,
                team_id=identity.team_id,
                bot_id=identity.bot_id,
                bot_user_id=identity.bot_user_id,
                bot_token=self._token,
                user_id=user_id,
            )

        return authorize


def tokenless_copy(client: WebClient) -> WebClient:
    """The client Bolt copies per request: same URL and retries, token from ``authorize``."""
    return WebClient(
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=list(client.retry_handlers or []),
        logger=client.logger,
    )
