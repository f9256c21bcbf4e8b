"""Salesforce Service Cloud settings; off until SALESFORCE_URL and the org id are set."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from bot.services.helpdesk.settings import FieldMap


class SalesforceSettings(BaseSettings):
    # The org's instance URL, e.g. https://acme.my.salesforce.com (tests point it at a fake).
    salesforce_url: str = ""
    # A connected app with the client-credentials flow (Setup -> App Manager).
    salesforce_client_id: str = ""
    salesforce_client_secret: SecretStr = SecretStr("")
    salesforce_api_version: str = "v60.0"
    # The 18-character org id; outbound messages from any other org are refused.
    salesforce_org_id: str = ""
    # Shared secret in the outbound message's endpoint URL (?secret=...).
    salesforce_webhook_secret: SecretStr = SecretStr("")
    # Case fields carrying report values: "incident=Incident_Number__c,tier=Tier__c".
    salesforce_fields: FieldMap = {}
    # A Case field holding the customer's satisfaction rating (e.g. CSAT__c): good/bad,
    # satisfied/neutral/dissatisfied or 1-5; empty: ratings are not read.
    salesforce_rating_field: str = ""

    @property
    def salesforce_enabled(self) -> bool:
        return bool(
            self.salesforce_url
            and self.salesforce_org_id
            and self.salesforce_webhook_secret.get_secret_value()
        )
