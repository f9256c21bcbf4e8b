"""Shared set-up for the PagerDuty end-to-end tests: the app with PagerDuty pointed at the
in-process fake, a liaison pool, and deliveries signed and posted to the real edge."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from itertools import count
from typing import Any

from sqlalchemy import select

from bot.devtools.fake_pagerduty import FakeIncident, FakePagerDuty, sign, webhook
from bot.models import Incident, PagerDutyIncident
from tests.handlers.liaison_helpers import liaison_app
from tests.harness import Harness

SECRET = "pd-webhook-secret"
ROUTING_KEY = "R0UTINGKEYCHECKOUT"
_events = count(1)


def pagerduty_app(
    app_factory: Callable[..., Harness], fake_pd: FakePagerDuty, **overrides: Any
) -> Harness:
    fake_pd.routing_keys[ROUTING_KEY] = ("PSVCCHK", "Checkout")
    settings: dict[str, Any] = {
        "pagerduty_webhook_secrets": ["old-secret", SECRET],
        "pagerduty_api_url": fake_pd.url,
        "pagerduty_api_token": fake_pd.token,
        "pagerduty_from_email": "liaison@example.com",
        "pagerduty_events_url": fake_pd.url,
        "pagerduty_routing_keys": {"checkout": ROUTING_KEY},
        **overrides,
    }
    harness = liaison_app(app_factory, "UANA", **settings)
    harness.fake.add_user("UDANA", "dana", real_name="Dana Oncall", email="dana@example.com")
    fake_pd.users["PDANA"] = "dana@example.com"
    return harness


def edge_url(harness: Harness, source: str = "pagerduty") -> str:
    return harness.slack.url.rsplit("/slack/events", 1)[0] + f"/webhooks/{source}"


def post_raw(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def deliver(
    harness: Harness,
    event_type: str,
    incident: FakeIncident,
    *,
    occurred_at: str,
    event_id: str | None = None,
    agent: tuple[str, str, str] | None = None,
    secret: str = SECRET,
) -> tuple[int, Any]:
    """Post a signed v3 webhook delivery, then wait for the work it set off."""
    body = webhook(
        event_type,
        incident,
        event_id=event_id or f"EVT{next(_events):05d}",
        occurred_at=occurred_at,
        agent=agent,
    )
    result = post_raw(edge_url(harness), body, {"X-PagerDuty-Signature": sign(body, secret)})
    harness.executor.wait_idle()
    return result


def linked_incident(harness: Harness, external_id: str) -> Incident | None:
    with harness.session() as session:
        row = session.scalars(
            select(PagerDutyIncident).where(PagerDutyIncident.external_id == external_id)
        ).one_or_none()
        if row is None or row.incident_id is None:
            return None
        return session.get(Incident, row.incident_id)
