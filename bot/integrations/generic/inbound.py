"""``POST /webhooks/generic``: any help desk (or a script) sends a whole ticket as JSON.

Signed with ``X-Liaison-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` keyed by
GENERIC_WEBHOOK_SECRET; the body is a ``TicketSnapshot`` (see the README). Each version of
a ticket (``id`` + ``updated_at``) is applied once; an older one arriving late is stale.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from bot.edge.webhooks import WebhookRejected, WebhookReply, WebhookRequest, WebhookSource
from bot.runtime import Runtime
from bot.services.helpdesk.inbound import snapshot_delivered
from bot.services.helpdesk.model import TicketSnapshot, TicketSource

SIGNATURE = "x-liaison-signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_source(rt: Runtime) -> WebhookSource:
    secret = rt.settings.generic_webhook_secret.get_secret_value()

    def verify(headers: Mapping[str, str], body: bytes) -> None:
        given = headers.get(SIGNATURE, "").strip()
        if not given:
            raise WebhookRejected(401, "missing X-Liaison-Signature")
        if not hmac.compare_digest(given.lower(), sign(secret, body)):
            raise WebhookRejected(401, "bad X-Liaison-Signature")

    def handle(request: WebhookRequest) -> WebhookReply:
        snapshot = TicketSnapshot.model_validate_json(request.body)
        fresh = snapshot_delivered(rt, TicketSource.generic, snapshot)
        return WebhookReply(202, {"ok": True, "duplicate": not fresh})

    return WebhookSource("generic", verify, handle, body_limit=256 * 1024)
