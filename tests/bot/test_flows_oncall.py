"""PagerDuty incidents in, without HTTP: the sync job against the in-memory Slack, for the
paths the end-to-end tests cannot reach cheaply (a channel name already taken, a page's
own incident, events that arrive older than what is known)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.integrations.pagerduty.events import Event
from bot.models import Incident, PagerDutyEscalation, PagerDutyIncident, Reminder
from bot.services.oncall import inbound
from tests.bot.flows import BOTH_DATABASES, Flow

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _flow(flow_factory: Callable[..., Flow]) -> Flow:
    return flow_factory(pagerduty_webhook_secrets="s", default_severity="sev3")


def _event(
    event_type: str, status: str, *, at: datetime, key: str | None = None, pd_id: str = "Q1TEST"
) -> Event:
    data = {
        "id": pd_id,
        "number": 77,
        "title": "Checkout down",
        "status": status,
        "incident_key": key,
        "service": {"id": "PSVC", "summary": "Checkout"},
        "priority": {"summary": "P3"},
        "assignees": [],
    }
    return Event(id=f"{event_type}-{at.isoformat()}", event_type=event_type, occurred_at=at,
                 data=data)  # fmt: skip


def _incidents(flow: Flow) -> int:
    with flow.session() as session:
        return int(session.scalar(select(func.count(Incident.id))) or 0)


def test_a_taken_channel_name_is_waited_on_then_a_suffixed_name_is_used(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _flow(flow_factory)
    flow.slack.add_channel("CTAKEN", "pd-77-checkout-down")  # left by a run that died
    assert inbound.receive(flow.rt, _event("incident.triggered", "triggered", at=T0))
    for _ in range(3):
        flow.advance(timedelta(seconds=10))
        assert _incidents(flow) == 0  # a concurrent run may still be about to link it
    flow.advance(timedelta(seconds=30))
    with flow.session() as session:
        incident = session.scalars(select(Incident)).one()
    assert incident.channel_name == "pd-77-checkout-down-2"
    assert incident.severity == "sev3"


@BOTH_DATABASES
def test_an_older_event_changes_nothing_and_a_page_opens_no_incident(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _flow(flow_factory)
    inbound.receive(flow.rt, _event("incident.triggered", "triggered", at=T0))
    inbound.receive(flow.rt, _event("incident.resolved", "resolved", at=T0 + timedelta(minutes=9)))
    inbound.receive(
        flow.rt, _event("incident.acknowledged", "acknowledged", at=T0 + timedelta(minutes=5))
    )
    flow.dispatch()
    with flow.session() as session:
        row = session.scalars(select(PagerDutyIncident)).one()
        assert row.status == "resolved"
    assert _incidents(flow) == 0  # resolved before anything was opened: nothing to open

    flow2 = _flow(flow_factory)  # the same database: a second PagerDuty incident
    with flow2.rt.sessions.begin() as session:
        session.add(Incident(channel_id="CINC", channel_name="inc-x", title="x",
                             severity="sev2", status="open", opened_at=T0))  # fmt: skip
        session.flush()
        session.add(PagerDutyEscalation(incident_id=1, service="checkout",
                                        dedup_key="liaison-incident-1-checkout",
                                        paged_by="UAGENT", requested_at=T0))  # fmt: skip
    event = _event(
        "incident.triggered", "triggered", at=T0, key="liaison-incident-1-checkout", pd_id="E1"
    )
    assert inbound.receive(flow2.rt, event)
    flow2.dispatch()
    assert _incidents(flow2) == 1
    with flow2.session() as session:
        row = session.scalars(
            select(PagerDutyIncident).where(PagerDutyIncident.external_id == "E1")
        ).one()
        assert (row.role, row.incident_id) == ("escalation", 1)
        assert session.scalar(select(func.count(Reminder.id)).where(
            Reminder.kind == "pagerduty.announce")) == 0  # fmt: skip
