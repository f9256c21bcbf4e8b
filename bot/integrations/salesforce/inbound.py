"""``POST /webhooks/salesforce?secret=...``: Outbound Messages about Case changes.

Salesforce does not sign outbound messages, so the sender is checked by the shared secret
in the endpoint URL (compared before the body is parsed) and by the organization id in the
envelope. Up to 100 notifications arrive in one message, at least once and in any order:
each announced case gets one pending read (redeliveries fold into it), and the case read
back is applied only if it is newer than what was applied. The answer is the
``<Ack>true</Ack>`` envelope, without which Salesforce keeps resending.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from bot.edge.webhooks import WebhookRejected, WebhookReply, WebhookRequest, WebhookSource
from bot.integrations.salesforce.tickets import ACK, parse_outbound_message
from bot.runtime import Runtime
from bot.services.helpdesk.inbound import ticket_changed
from bot.services.helpdesk.model import TicketSource


def webhook_source(rt: Runtime) -> WebhookSource:
    secret = rt.settings.salesforce_webhook_secret.get_secret_value()
    org_id = rt.settings.salesforce_org_id.strip()

    def verify(headers: Mapping[str, str], body: bytes) -> None:
        """The secret is in the query string, checked first thing in ``handle``."""

    def handle(request: WebhookRequest) -> WebhookReply:
        if not hmac.compare_digest(request.query.get("secret", "").encode(), secret.encode()):
            raise WebhookRejected(401, "bad or missing secret in the endpoint URL")
        message = parse_outbound_message(request.body)
        # Salesforce writes 15- or 18-character org ids; the first 15 identify it.
        if message.organization_id[:15] != org_id[:15]:
            raise WebhookRejected(401, "outbound message from another Salesforce org")
        ticket_changed(rt, TicketSource.salesforce, message.case_ids)
        return WebhookReply(200, raw=ACK, content_type="text/xml; charset=utf-8")

    return WebhookSource("salesforce", verify, handle, body_limit=1024 * 1024)
