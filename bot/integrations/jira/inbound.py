"""``POST /webhooks/jira``: Jira Cloud admin webhooks for the issues Liaison created.

A webhook registered with a secret carries ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of
the raw body>``; it is checked before anything parses the body (401 otherwise), and the
handler only records and schedules, so Jira gets its answer at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from bot.edge.webhooks import Verifier, WebhookRejected, WebhookReply, WebhookRequest, WebhookSource
from bot.integrations.jira.events import Delivery
from bot.runtime import Runtime
from bot.services.backlog import inbound as service

BODY_LIMIT = 1024 * 1024  # issue payloads carry the whole issue, comments included


def verify_signature(secret: str) -> Verifier:
    def verify(headers: Mapping[str, str], body: bytes) -> None:
        header = headers.get("x-hub-signature", "").strip()
        if not header.startswith("sha256="):
            raise WebhookRejected(401, "missing X-Hub-Signature")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, header[len("sha256=") :]):
            raise WebhookRejected(401, "bad X-Hub-Signature")

    return verify


def jira_source(rt: Runtime) -> WebhookSource | None:
    """The source, or None while ``JIRA_WEBHOOK_SECRET`` is not set (unsigned webhooks are
    never accepted)."""
    secret = rt.settings.jira_webhook_secret
    if not secret:
        return None

    def handle(request: WebhookRequest) -> WebhookReply:
        delivery = Delivery.model_validate_json(request.body)
        accepted = service.receive(rt, delivery)
        return WebhookReply(202 if accepted else 200, {"ok": True, "accepted": accepted})

    return WebhookSource("jira", verify_signature(secret), handle, BODY_LIMIT)
