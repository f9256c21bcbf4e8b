"""The inbound webhook sources Liaison accepts at ``/webhooks/<name>``: one line each.

Each source lives in its integration's package (``bot/integrations/<system>/inbound.py``)
and is added to the registry here, given the runtime it calls services with.
"""

from __future__ import annotations

from bot.edge.webhooks import WebhookRegistry
from bot.runtime import Runtime


def install_webhook_sources(registry: WebhookRegistry, rt: Runtime) -> WebhookRegistry:
    """Register every configured source (none yet; help desks and on-call plug in here)."""
    return registry
