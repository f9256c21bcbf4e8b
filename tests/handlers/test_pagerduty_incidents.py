"""PagerDuty incidents in, end to end over real HTTP: a signed v3 webhook opens a Liaison
incident with its own channel and a liaison, follows acknowledgements, priorities and
resolutions, survives redelivery and disorder, and refuses bad signatures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.devtools.fake_pagerduty import FakePagerDuty, sign, webhook
from bot.models import Incident, LiaisonAssignment
from tests.handlers.oncall_support import (
    deliver,
    edge_url,
    linked_incident,
    pagerduty_app,
    post_raw,
)
from tests.harness import Harness


@pytest.fixture
def fake_pd() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def pd(app_factory, fake_pd: FakePagerDuty) -> Harness:
    return pagerduty_app(
        app_factory, fake_pd, conference_bridge_url="https://meet.example.com/inc-{number}"
    )


def _texts(harness: Harness, channel: str) -> list[str]:
    return [m.get("text", "") for m in harness.fake.messages(channel)]


def test_a_p1_trigger_opens_a_major_incident_with_its_channel_responders_and_liaison(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(
        title="Checkout API 500s in EU", priority="P1", assignees=[("PDANA", "Dana Oncall")]
    )
    status, answer = deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    assert status == 202 and answer["accepted"] is True

    opened = linked_incident(pd, incident.id)
    assert opened is not None
    assert opened.severity == "sev1" and opened.is_open
    assert opened.channel_name == f"pd-{incident.number}-checkout-api-500s-in-eu"
    channel = pd.fake.channels[opened.channel_id]
    assert "UDANA" in channel.members  # the responder, found by email
    with pd.session() as session:
        liaison = session.scalars(
            select(LiaisonAssignment).where(LiaisonAssignment.incident_id == opened.id)
        ).one()
    assert liaison.user_id == "UANA"
    details = next(t for t in _texts(pd, opened.channel_id) if "PagerDuty incident" in t)
    assert f"PagerDuty incident #{incident.number}" in details
    assert "Service *Checkout*" in details and "priority *P1*" in details
    assert "Dana Oncall" in details
    assert f"https://meet.example.com/inc-{opened.id}" in details
    assert (
        pd.fake.bookmarks[opened.channel_id][0]["link"]
        == f"https://meet.example.com/inc-{opened.id}"
    )

    checklist = [m.get("text", "") for m in pd.fake.messages(pd.fake.dm_channel("UANA"))]
    assert any(f"https://meet.example.com/inc-{opened.id}" in t for t in checklist)

    pd.command("status", channel=opened.channel_id)
    reply = pd.last_reply()
    assert f"PagerDuty #{incident.number}" in reply and "service *Checkout*" in reply


def test_redelivered_and_out_of_order_events_end_consistent(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(title="Payments down", priority="P2")
    deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z", event_id="E1")
    deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z", event_id="E1")
    resolved = fake_pd.add_incident(**{**incident.__dict__, "status": "resolved"})
    deliver(pd, "incident.resolved", resolved, occurred_at="2026-11-23T10:20:00Z", event_id="E3")
    acked = fake_pd.add_incident(**{**incident.__dict__, "status": "acknowledged"})
    deliver(
        pd, "incident.acknowledged", acked, occurred_at="2026-11-23T10:05:00Z", event_id="E2",
        agent=("PDANA", "Dana Oncall", "dana@example.com"),
    )  # fmt: skip

    with pd.session() as session:
        assert session.scalar(select(func.count(Incident.id))) == 1
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.status == "resolved"
    assert opened.severity == "sev2"
    texts = _texts(pd, opened.channel_id)
    assert sum("Resolved in PagerDuty" in t for t in texts) == 1
    assert not any("Acknowledged in PagerDuty" in t for t in texts)
    created = pd.fake.calls_to("conversations.create")
    assert len(created) == 1


def test_acknowledged_and_priority_changes_are_told_and_applied(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(title="Search slow", priority="P3")
    deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.severity == "sev3"
    incident.status, incident.priority = "acknowledged", "P1"
    deliver(
        pd, "incident.acknowledged", incident, occurred_at="2026-11-23T10:02:00Z",
        agent=("PDANA", "Dana Oncall", "dana@example.com"),
    )  # fmt: skip
    deliver(pd, "incident.priority_updated", incident, occurred_at="2026-11-23T10:03:00Z")
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.severity == "sev1"
    texts = _texts(pd, opened.channel_id)
    assert any("Acknowledged in PagerDuty by *Dana Oncall*" in t for t in texts)
    assert any("priority is now *P1*" in t for t in texts)
    incident.status = "resolved"
    deliver(pd, "incident.resolved", incident, occurred_at="2026-11-23T10:30:00Z")
    incident.status = "triggered"
    deliver(pd, "incident.reopened", incident, occurred_at="2026-11-23T10:40:00Z")
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.is_open


def test_services_not_followed_open_nothing(app_factory, fake_pd: FakePagerDuty) -> None:
    harness = pagerduty_app(app_factory, fake_pd, pagerduty_services=["Payments"])
    incident = fake_pd.add_incident(title="Checkout flaky", service_name="Checkout")
    status, answer = deliver(
        harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z"
    )
    assert status == 200 and answer["accepted"] is False
    assert linked_incident(harness, incident.id) is None
    assert harness.fake.calls_to("conversations.create") == []


def test_bad_signatures_are_refused_before_anything_is_read(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(title="Checkout")
    body = webhook(
        "incident.triggered", incident, event_id="E9", occurred_at="2026-11-23T10:00:00Z"
    )
    url = edge_url(pd)
    assert post_raw(url, body, {})[0] == 401
    assert post_raw(url, body, {"X-PagerDuty-Signature": sign(body, "wrong")})[0] == 401
    assert (
        post_raw(url, body + b" ", {"X-PagerDuty-Signature": sign(body, "pd-webhook-secret")})[0]
        == 401
    )
    # During rotation PagerDuty signs with both secrets; either one configured accepts.
    status, _ = post_raw(url, body, {"X-PagerDuty-Signature": sign(body, "unknown", "old-secret")})
    assert status == 202
