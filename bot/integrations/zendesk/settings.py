"""Zendesk settings; off until ZENDESK_URL, its credentials and the webhook secret are set."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from bot.services.helpdesk.settings import FieldMap


class ZendeskSettings(BaseSettings):
    # The instance's base URL, e.g. https://acme.zendesk.com (tests point it at a fake).
    zendesk_url: str = ""
    # The agent whose API token Liaison uses (comments appear as written by this agent).
    zendesk_email: str = ""
    zendesk_api_token: SecretStr = SecretStr("")
    # The signing secret of the Zendesk webhook that calls POST /webhooks/zendesk.
    zendesk_webhook_secret: SecretStr = SecretStr("")
    # Custom ticket fields carrying report values: "incident=360001,tier=360002".
    zendesk_fields: FieldMap = {}

    @property
    def zendesk_enabled(self) -> bool:
        return bool(self.zendesk_url and self.zendesk_webhook_secret.get_secret_value())
