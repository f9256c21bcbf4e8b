"""The inbound webhook sources Liaison accepts at ``/webhooks/<name>``: one line each.

Each source lives in its integration's package (``bot/integrations/<system>/inbound.py``)
and is added to the registry here, given the runtime it calls services with.
"""

from __future__ import annotations

from bot.edge.webhooks import WebhookRegistry, WebhookSource
from bot.integrations.jira.inbound import jira_source
from bot.integrations.pagerduty.inbound import pagerduty_source
from bot.runtime import Runtime


def install_webhook_sources(registry: WebhookRegistry, rt: Runtime) -> WebhookRegistry:
    """Register every configured source (help desks and on-call plug in here)."""
    sources: list[WebhookSource | None] = [
        pagerduty_source(rt),
        jira_source(rt),
    ]
    for source in sources:
        if source is not None:
            registry.register(source)
    return registry
