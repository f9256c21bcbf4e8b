"""All help-desk settings in one mixin, so bot/config.py's Settings adds one base."""

from __future__ import annotations

from bot.integrations.salesforce.settings import SalesforceSettings
from bot.integrations.zendesk.settings import ZendeskSettings
from bot.services.helpdesk.settings import HelpdeskSettings


class HelpdeskIntegrationSettings(ZendeskSettings, SalesforceSettings, HelpdeskSettings):
    """Zendesk, Salesforce Service Cloud and the generic webhook (each off until set)."""
