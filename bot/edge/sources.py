"""The inbound webhook sources Liaison accepts at ``/webhooks/<name>``: one line each.

Each source lives in its integration's package (``bot/integrations/<system>/inbound.py``)
and is added to the registry here, given the runtime it calls services with.
"""

from __future__ import annotations

from bot.edge.webhooks import WebhookRegistry
from bot.integrations.generic import inbound as generic
from bot.integrations.jira.inbound import jira_source
from bot.integrations.pagerduty.inbound import pagerduty_source
from bot.integrations.salesforce import inbound as salesforce
from bot.integrations.zendesk import inbound as zendesk
from bot.runtime import Runtime


def install_webhook_sources(registry: WebhookRegistry, rt: Runtime) -> WebhookRegistry:
    """Register every configured source (each is off until its settings are filled)."""
    settings = rt.settings
    if settings.zendesk_enabled:
        registry.register(zendesk.webhook_source(rt))
    if settings.salesforce_enabled:
        registry.register(salesforce.webhook_source(rt))
    if settings.generic_webhook_secret.get_secret_value():
        registry.register(generic.webhook_source(rt))
    for source in (pagerduty_source(rt), jira_source(rt)):  # None while not configured
        if source is not None:
            registry.register(source)
    return registry
