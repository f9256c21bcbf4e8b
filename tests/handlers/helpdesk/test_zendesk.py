"""Zendesk tickets over real HTTP: signed webhooks in, reports out of them, replies back."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.integrations.zendesk.inbound import SIGNATURE, TIMESTAMP, sign
from bot.models import Reminder, Report, TicketLink
from tests.handlers.helpdesk.conftest import CHANNEL, ZENDESK_SECRET, Desk
from tests.impact_helpers import blocks_text, summaries


def _tagged_ticket(desk: Desk, ticket_id: int = 501, **kw: object) -> None:
    desk.zendesk.add_ticket(
        ticket_id,
        subject="Checkout fails with error 502",
        description="Our customers cannot pay since 09:50.",
        requester_id=10,
        assignee_id=20,
        organization_id=30,
        tags=["incident-1", "tier_premium", "platform_web"],
        created_at=desk.harness.clock.now() - timedelta(minutes=20),
        **kw,  # type: ignore[arg-type]
    )


def _reports(desk: Desk) -> list[Report]:
    with desk.harness.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def test_a_tagged_ticket_becomes_a_report_in_the_live_summary(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    status, answer = desk.zendesk_webhook(501)
    assert status == 202 and answer == {"ok": True, "ticket_id": "501"}

    [report] = _reports(desk)
    assert report.incident_id == 1
    assert report.owner_user_id == "UAGENT"  # the assignee, by email
    assert report.customer_name == "Globex"
    assert report.tier == "premium" and report.platform == "web"
    assert report.ticket_ref == f"{desk.zendesk.url}/agent/tickets/501"
    assert report.first_contact_at == desk.harness.clock.now() - timedelta(minutes=20)
    assert "Checkout fails with error 502" in report.summary
    [live] = summaries(desk.harness.fake, CHANNEL, "impact.live")
    assert "*1 report* from *1 customer*" in blocks_text(live)
    # The ticket was read back with its people, and its comments.
    [show] = desk.zendesk.calls_to("GET", r"/api/v2/tickets/501\.json")
    assert show.query == {"include": "users,organizations"}
    assert show.headers["authorization"].startswith("Basic ")


def test_a_ticket_delivered_four_times_is_one_report(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    for _ in range(4):
        assert desk.zendesk_webhook(501)[0] == 202
    assert len(_reports(desk)) == 1
    with desk.harness.session() as session:
        assert session.scalar(select(func.count(TicketLink.id))) == 1


def test_an_event_subscription_body_is_accepted(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    body, headers = desk.zendesk.delivery(
        {"type": "zen:event-type:ticket.tags_changed", "detail": {"id": "501"}},
        secret=ZENDESK_SECRET,
        at=desk.harness.clock.now(),
    )
    assert desk.post("/webhooks/zendesk", body, headers)[0] == 202
    assert len(_reports(desk)) == 1


def test_signature_failures_are_401_and_change_nothing(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    assert desk.zendesk_webhook(501, secret="wrong")[0] == 401
    stale = desk.harness.clock.now() - timedelta(minutes=30)
    status, answer = desk.zendesk_webhook(501, at=stale)
    assert (status, answer["error"]) == (401, "stale Zendesk signature timestamp")
    body = json.dumps({"ticket_id": "501"}).encode()
    status, _ = desk.post("/webhooks/zendesk", body, {"Content-Type": "application/json"})
    assert status == 401
    assert _reports(desk) == []
    assert desk.zendesk.calls == []


def test_a_malformed_body_is_a_400_with_the_reason(desk: Desk) -> None:
    for raw in (b"not json", b"[1, 2]", b'{"ticket_id": "abc"}'):
        _, headers = desk.zendesk.delivery({}, secret=ZENDESK_SECRET, at=desk.harness.clock.now())
        headers[SIGNATURE] = sign(ZENDESK_SECRET, headers[TIMESTAMP], raw)
        status, data = desk.post("/webhooks/zendesk", raw, headers)
        assert status == 400, raw
        assert json.loads(data)["error"]


def test_an_unassigned_ticket_goes_to_the_fallback_owner(desk_factory) -> None:
    desk = desk_factory(helpdesk_fallback_owner="UIC")
    desk.incident()
    desk.zendesk.add_ticket(
        502, subject="Cannot pay", requester_id=10, tags=["incident-1"],
    )  # fmt: skip
    desk.zendesk_webhook(502)
    [report] = _reports(desk)
    assert report.owner_user_id == "UIC"
    assert report.customer_name == "Pat Customer"


def test_a_ticket_naming_the_incident_channel_is_linked(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    desk.zendesk.add_ticket(
        503, subject="Payments down (see #inc-sev2-checkout)", requester_id=10, assignee_id=20
    )
    desk.zendesk_webhook(503)
    assert [r.incident_id for r in _reports(desk)] == [1]


def test_a_first_public_agent_reply_stops_the_sla_clock(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    desk.zendesk_webhook(501)
    with desk.harness.session() as session:
        pending = select(func.count(Reminder.id)).where(
            Reminder.kind.in_(["sla.warning", "sla.breach"]), Reminder.status == "pending"
        )
        assert session.scalar(pending)
    replied = desk.harness.clock.now() + timedelta(minutes=3)
    desk.harness.clock.advance(timedelta(minutes=5))
    desk.zendesk.reply(501, 20, "We are on it.", at=replied)
    desk.zendesk_webhook(501)
    [report] = _reports(desk)
    assert report.responded_at == replied
    with desk.harness.session() as session:
        assert session.scalar(pending) == 0
    desk.harness.advance(timedelta(hours=3))
    assert not [m for m in desk.harness.fake.messages("UAGENT") if "SLA" in m["text"]]


def test_removing_the_tag_detaches_the_ticket(desk: Desk) -> None:
    desk.incident()
    _tagged_ticket(desk)
    desk.zendesk_webhook(501)
    desk.zendesk.change(501, tags=["tier_premium"])
    desk.zendesk_webhook(501)
    with desk.harness.session() as session:
        link = session.scalars(select(TicketLink)).one()
        assert link.status == "detached" and link.report_id is not None
    assert len(_reports(desk)) == 1  # recorded, not deleted


def test_a_ticket_naming_no_incident_changes_nothing(desk: Desk) -> None:
    desk.incident()
    desk.zendesk.add_ticket(504, subject="How do I export?", requester_id=10, assignee_id=20)
    assert desk.zendesk_webhook(504)[0] == 202
    assert _reports(desk) == []
    with desk.harness.session() as session:
        assert session.scalar(select(func.count(TicketLink.id))) == 0
