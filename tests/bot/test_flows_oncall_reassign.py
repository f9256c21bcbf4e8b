"""PagerDuty reassignments without HTTP: the paths the end-to-end tests cannot reach
cheaply (the details message deleted from Slack; assignees removed, nobody new)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.integrations.pagerduty.events import Event
from bot.models import Incident, PagerDutyIncident, Reminder
from bot.services.oncall import inbound
from tests.bot.flows import Flow

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _event(event_type: str, assignees: list[tuple[str, str]], *, at: datetime) -> Event:
    data = {
        "id": "Q1REASSIGN",
        "number": 88,
        "title": "Sign-in failing",
        "status": "triggered",
        "service": {"id": "PSVC", "summary": "Identity"},
        "priority": {"summary": "P1"},
        "assignees": [{"id": user, "summary": name} for user, name in assignees],
    }
    return Event(id=f"{event_type}-{at.isoformat()}", event_type=event_type, occurred_at=at,
                 data=data)  # fmt: skip


def _channel_texts(flow: Flow) -> list[str]:
    with flow.session() as session:
        channel = session.scalars(select(Incident.channel_id)).one()
    return [m.text for m in flow.slack.channel_messages(str(channel))]


def test_a_deleted_details_message_still_gets_the_reassignment_told(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = flow_factory(pagerduty_webhook_secrets="s")
    inbound.receive(flow.rt, _event("incident.triggered", [("PA", "Ann")], at=T0))
    flow.dispatch()
    flow.dispatch()
    with flow.rt.sessions.begin() as session:
        row = session.scalars(select(PagerDutyIncident)).one()
        assert row.announced_assignees == ["PA"] and row.details_ts
        row.details_ts = "1.000999"  # someone deleted the message in Slack

    later = T0 + timedelta(minutes=5)
    inbound.receive(flow.rt, _event("incident.reassigned", [("PB", "Bo")], at=later))
    flow.dispatch()
    flow.dispatch()
    told = [t for t in _channel_texts(flow) if "is now assigned to" in t]
    assert told == [":pager: PagerDuty #88 is now assigned to *Bo*."]
    with flow.session() as session:
        job = session.scalars(select(Reminder).where(Reminder.kind == "pagerduty.reassign")).one()
        assert job.status == "sent"
        assert session.scalars(select(PagerDutyIncident)).one().announced_assignees == ["PB"]


def test_assignees_only_removed_tell_nothing(flow_factory: Callable[..., Flow]) -> None:
    flow = flow_factory(pagerduty_webhook_secrets="s")
    both = [("PA", "Ann"), ("PB", "Bo")]
    inbound.receive(flow.rt, _event("incident.triggered", both, at=T0))
    flow.dispatch()
    flow.dispatch()
    inbound.receive(
        flow.rt, _event("incident.reassigned", [("PA", "Ann")], at=T0 + timedelta(minutes=1))
    )
    flow.dispatch()
    flow.dispatch()
    assert not any("is now assigned to" in t for t in _channel_texts(flow))
    with flow.session() as session:
        kinds = session.scalars(select(Reminder.kind)).all()
    assert "pagerduty.reassign" not in kinds
