"""All help-desk settings in one mixin, so bot/config.py's Settings adds one base."""

from __future__ import annotations

from bot.integrations.salesforce.settings import SalesforceSettings
from bot.integrations.zendesk.settings import ZendeskSettings
from bot.services.helpdesk.settings import HelpdeskSettings


class HelpdeskIntegrationSettings(ZendeskSettings, SalesforceSettings, HelpdeskSettings):
    """Zendesk, Salesforce Service Cloud and the generic webhook (each off until set)."""

    def helpdesk_secrets(self) -> tuple[str, ...]:
        """Every help-desk secret, for the log filter that masks them."""
        values = (
            self.zendesk_api_token,
            self.zendesk_webhook_secret,
            self.salesforce_client_secret,
            self.salesforce_webhook_secret,
            self.generic_webhook_secret,
        )
        return tuple(v.get_secret_value() for v in values if v.get_secret_value())
