"""``POST /webhooks/zendesk``: Zendesk says a ticket changed; Liaison reads it back later.

The signature is checked on the raw bytes before anything parses them: base64 of
HMAC-SHA256 over ``X-Zendesk-Webhook-Signature-Timestamp`` + body, keyed by the webhook's
signing secret; a timestamp outside the tolerance is refused as a replay. The body needs
only the ticket id: a trigger's ``{"ticket_id": "{{ticket.id}}"}`` or an event
subscription's ``{"detail": {"id": ...}}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.edge.webhooks import WebhookRejected, WebhookReply, WebhookRequest, WebhookSource
from bot.runtime import Runtime
from bot.services.helpdesk.inbound import ticket_changed
from bot.services.helpdesk.model import TicketSource

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_source(rt: Runtime) -> WebhookSource:
    secret = rt.settings.zendesk_webhook_secret.get_secret_value()
    tolerance = rt.settings.helpdesk_webhook_tolerance

    def verify(headers: Mapping[str, str], body: bytes) -> None:
        signature, timestamp = headers.get(SIGNATURE, ""), headers.get(TIMESTAMP, "")
        if not signature or not timestamp:
            raise WebhookRejected(401, "missing Zendesk webhook signature")
        if not hmac.compare_digest(signature.strip(), sign(secret, timestamp, body)):
            raise WebhookRejected(401, "bad Zendesk webhook signature")
        try:
            sent = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
        except ValueError:
            raise WebhookRejected(401, "unreadable Zendesk signature timestamp") from None
        if sent.tzinfo is None or abs(rt.clock.now() - sent) > tolerance:
            raise WebhookRejected(401, "stale Zendesk signature timestamp")

    def handle(request: WebhookRequest) -> WebhookReply:
        ticket_id = ticket_id_of(json.loads(request.body))
        ticket_changed(rt, TicketSource.zendesk, [ticket_id])
        return WebhookReply(202, {"ok": True, "ticket_id": ticket_id})

    return WebhookSource("zendesk", verify, handle, body_limit=64 * 1024)


def ticket_id_of(body: Any) -> str:
    """The ticket id from a trigger body or an event subscription body."""
    if not isinstance(body, dict):
        raise WebhookRejected(400, "the body must be a JSON object")
    candidates = [body.get("ticket_id")]
    for key in ("detail", "ticket"):
        nested = body.get(key)
        if isinstance(nested, dict):
            candidates.append(nested.get("id"))
    for value in candidates:
        text = str(value).strip() if isinstance(value, int | str) else ""
        if text.isdigit() and len(text) <= 20:
            return text
    raise WebhookRejected(
        400, 'no ticket id: send {"ticket_id": "{{ticket.id}}"} or an event subscription body'
    )
