"""What a PagerDuty webhook delivery changes: the linked row's state, and a sync job.

Nothing here calls Slack or PagerDuty: a delivery is recorded and answered at once, and
the ``pagerduty.sync`` job does the work. The row keeps the newest state PagerDuty sent
(by the event's ``occurred_at``): a redelivery writes the same values, an older event
delivered late (an acknowledgement after the resolution) changes nothing, so the end
state does not depend on the order the deliveries arrive in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.config import Settings
from bot.integrations.pagerduty.events import Event, IncidentData, StatusUpdateData
from bot.models import PagerDutyEscalation, PagerDutyIncident, StatusUpdate
from bot.runtime import Runtime
from bot.services.oncall.kinds import NOTICE, SYNC, Notice

INCIDENT_EVENTS = frozenset(
    {
        "incident.triggered",
        "incident.acknowledged",
        "incident.unacknowledged",
        "incident.priority_updated",
        "incident.resolved",
        "incident.reopened",
        "incident.reassigned",
        "incident.escalated",
        "incident.conference_bridge.updated",
    }
)
STATUS_UPDATE_EVENT = "incident.status_update_published"
_STATUS_OF_EVENT = {
    "incident.triggered": "triggered",
    "incident.reopened": "triggered",
    "incident.unacknowledged": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}


def follows(settings: Settings, data: IncidentData) -> bool:
    """Whether ``PAGERDUTY_SERVICES`` (ids or names; empty: all) includes its service."""
    wanted = {name.lower() for name in settings.pagerduty_services}
    if not wanted:
        return True
    service = data.service
    if service is None:
        return False
    return service.id.lower() in wanted or (service.summary or "").lower() in wanted


def severity_for(settings: Settings, priority: str | None) -> str:
    mapping = settings.pagerduty_priority_severities
    if priority and priority.upper() in mapping:
        return mapping[priority.upper()]
    return settings.pagerduty_default_severity


def receive(rt: Runtime, event: Event) -> bool:
    """Record one delivery; True when it concerns an incident Liaison follows."""
    if event.event_type == STATUS_UPDATE_EVENT:
        return _relay_status_update(rt, event)
    if event.resource_type != "incident" or event.event_type not in INCIDENT_EVENTS:
        return False
    data = IncidentData.model_validate(event.data)
    for attempt in (1, 2):
        try:
            with rt.sessions.begin() as session:
                row = _record(session, rt, event, data)
                if row is None:
                    return False
                now = rt.clock.now()
                jobs.fold(
                    session, SYNC, due_at=now, now=now,
                    incident_id=row.incident_id, target=row.external_id,
                )  # fmt: skip
            break
        except IntegrityError:
            if attempt == 2:  # two first deliveries raced; the second attempt sees the row
                raise
    rt.wake()
    return True


def _record(
    session: Session, rt: Runtime, event: Event, data: IncidentData
) -> PagerDutyIncident | None:
    row = session.scalars(
        select(PagerDutyIncident).where(PagerDutyIncident.external_id == data.id).with_for_update()
    ).one_or_none()
    if row is None:
        escalation = _escalation(session, data.incident_key)
        if escalation is None and not follows(rt.settings, data):
            return None
        row = PagerDutyIncident(
            external_id=data.id,
            role="escalation" if escalation is not None else "origin",
            incident_id=escalation.incident_id if escalation is not None else None,
            title="",
            status="triggered",
            assignees=[],
            last_event_at=event.occurred_at,
            received_at=rt.clock.now(),
        )
        session.add(row)
        _apply(row, event, data)
        session.flush()
        return row
    if event.occurred_at >= row.last_event_at:
        _apply(row, event, data)
    return row


def _apply(row: PagerDutyIncident, event: Event, data: IncidentData) -> None:
    row.last_event_at = event.occurred_at
    row.status = data.status or _STATUS_OF_EVENT.get(event.event_type, row.status)
    if data.title:
        row.title = data.title[:300]
    row.number = data.number if data.number is not None else row.number
    if data.service is not None:
        row.service_id = data.service.id[:64]
        row.service_name = (data.service.summary or data.service.id)[:200]
    row.urgency = (data.urgency or row.urgency or "")[:16] or None
    if "priority" in event.data:
        row.priority = ((data.priority.summary if data.priority else None) or "")[:32] or None
    row.html_url = (data.html_url or row.html_url or "")[:500] or None
    row.incident_key = (data.incident_key or row.incident_key or "")[:255] or None
    if "assignees" in event.data:
        row.assignees = [{"id": a.id, "name": a.summary or a.id} for a in data.assignees][:20]
    bridge = data.conference_bridge
    if bridge is not None:
        row.conference_url = (bridge.conference_url or "")[:500] or None
        row.conference_number = (bridge.conference_number or "")[:100] or None
    if event.event_type == "incident.acknowledged" and event.agent is not None:
        row.acknowledged_by = (event.agent.summary or event.agent.id)[:200]
    if row.status != "acknowledged" and row.status != "resolved":
        row.acknowledged_told_at = None  # a new acknowledgement is worth telling again


def _relay_status_update(rt: Runtime, event: Event) -> bool:
    """A status update written in PagerDuty is shown in the incident channel, unless it is
    one Liaison sent there itself (a customer-facing update carried over)."""
    data = StatusUpdateData.model_validate(event.data)
    message = data.message.strip()
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident_id = session.scalar(
            select(PagerDutyIncident.incident_id).where(
                PagerDutyIncident.external_id == data.incident.id
            )
        )
        if incident_id is None or not message:
            return False
        ours = session.scalar(
            select(StatusUpdate.id).where(
                StatusUpdate.incident_id == incident_id,
                StatusUpdate.customer_message == message,
            )
        )
        if ours is not None:
            return False
        sender = data.sender.summary if data.sender and data.sender.summary else None
        jobs.schedule(
            session,
            NOTICE,
            Notice(
                template="oncall/pagerduty_status_update.j2",
                context={"sender": sender, "message": message[:2900]},
            ),
            key=f"pd-status:{event.id}",
            due_at=now,
            now=now,
            incident_id=incident_id,
        )
    rt.wake()
    return True


def _escalation(session: Session, incident_key: str | None) -> PagerDutyEscalation | None:
    if not incident_key:
        return None
    return session.scalars(
        select(PagerDutyEscalation).where(PagerDutyEscalation.dedup_key == incident_key)
    ).first()
