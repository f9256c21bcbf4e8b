"""``POST /webhooks/pagerduty``: PagerDuty v3 webhook deliveries.

The signature is checked on the raw bytes before anything parses them: PagerDuty sends one
``v1=<hex HMAC-SHA256 of the body>`` per active secret, comma-separated, while a secret is
rotated; any one matching any configured secret accepts. The handler only records what
PagerDuty said and schedules the work, so the answer goes back in milliseconds (PagerDuty
retries a slow or failed delivery and disables a subscription that keeps failing).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from bot.edge.webhooks import Verifier, WebhookRejected, WebhookReply, WebhookRequest, WebhookSource
from bot.integrations.pagerduty.events import Delivery
from bot.runtime import Runtime
from bot.services.oncall import inbound as service

BODY_LIMIT = 512 * 1024


def verify_signature(secrets: Sequence[str]) -> Verifier:
    """A verifier for ``X-PagerDuty-Signature`` against the configured secrets."""

    def verify(headers: Mapping[str, str], body: bytes) -> None:
        header = headers.get("x-pagerduty-signature", "")
        offered = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
        if not offered:
            raise WebhookRejected(401, "missing X-PagerDuty-Signature")
        for secret in secrets:
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if any(hmac.compare_digest(expected, candidate) for candidate in offered):
                return
        raise WebhookRejected(401, "bad X-PagerDuty-Signature")

    return verify


def pagerduty_source(rt: Runtime) -> WebhookSource | None:
    """The source, or None while ``PAGERDUTY_WEBHOOK_SECRETS`` is not set."""
    secrets = rt.settings.pagerduty_webhook_secrets
    if not secrets:
        return None

    def handle(request: WebhookRequest) -> WebhookReply:
        delivery = Delivery.model_validate_json(request.body)
        accepted = service.receive(rt, delivery.event)
        return WebhookReply(202 if accepted else 200, {"ok": True, "accepted": accepted})

    return WebhookSource("pagerduty", verify_signature(secrets), handle, BODY_LIMIT)
