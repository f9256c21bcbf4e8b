"""Incidents: opening (from a channel or a declaration), severity, resolution, reopening.

Every change emits a lifecycle event inside its transaction, so liaison assignment,
cadence reminders and the rest are committed together with the change that caused them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import SEVERITIES, Settings
from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.inbound import bounded_name
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report
from bot.runtime import Runtime
from bot.services import deliveries

# Column lengths (bot/models.py: Incident); names from Slack are bounded to them.
CHANNEL_NAME_LIMIT = 100
TITLE_LIMIT = 300
_ID_LIMIT = 32
_EVENT_ID_LIMIT = 64
_SEVERITY_IN_NAME = re.compile(r"(?:^|[-_])sev[-_]?([1-4])(?:$|[-_])", re.IGNORECASE)


@dataclass(frozen=True)
class IncidentSnapshot:
    """What people are shown about an incident, read in one query."""

    id: int
    channel_id: str | None
    channel_name: str | None
    title: str
    # Set by a person (declared title, `/liaison title public`); None: the neutral default.
    public_title: str | None
    severity: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None
    report_count: int
    customer_count: int
    is_major: bool

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def age(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.opened_at


@dataclass(frozen=True)
class Declared:
    incident: IncidentSnapshot
    created: bool


@dataclass(frozen=True)
class SeverityChanged:
    incident: IncidentSnapshot
    previous: str


def normalise_severity(value: str) -> str:
    """Accept ``sev2``, ``SEV2``, ``2`` or ``sev-2``; anything else is a clear error."""
    text = value.strip().lower().replace("-", "").replace("_", "")
    if text.isdigit():
        text = f"sev{text}"
    if text not in SEVERITIES:
        raise InvalidInput(f"`{value}` is not a severity. Use one of {', '.join(SEVERITIES)}.")
    return text


def severity_from_channel_name(name: str) -> str | None:
    match = _SEVERITY_IN_NAME.search(name)
    return f"sev{match.group(1)}" if match else None


def is_incident_channel_name(settings: Settings, name: str) -> bool:
    return re.search(settings.incident_channel_pattern, name, re.IGNORECASE) is not None


def title_from_channel_name(settings: Settings, name: str) -> str:
    """``inc-sev1-checkout-eu`` -> ``Checkout eu``: the words left after prefix and severity."""
    rest = re.sub(settings.incident_channel_pattern, "", name, count=1, flags=re.IGNORECASE)
    rest = _SEVERITY_IN_NAME.sub("-", rest)
    words = [word for word in re.split(r"[-_]+", rest) if word]
    return " ".join(words).capitalize() if words else name


def is_major(settings: Settings, severity: str) -> bool:
    return severity in settings.major_severities


def open_from_channel(
    rt: Runtime, *, channel_id: str, channel_name: str, creator: str | None, event_id: str | None
) -> IncidentSnapshot | None:
    """Open an incident for a newly created channel whose name matches the pattern.

    Returns None when the channel is not an incident channel, the event was already
    handled (Slack redelivery) or the channel is already bound to an incident. Whatever
    Slack sent is bounded to its column first: a 1 MB name opens an incident with a cut
    name rather than failing the write.
    """
    settings = rt.settings
    channel_name = bounded_name(channel_name, CHANNEL_NAME_LIMIT)
    channel_id = bounded_name(channel_id, _ID_LIMIT)
    creator = bounded_name(creator, _ID_LIMIT) or None
    event_id = bounded_name(event_id, _EVENT_ID_LIMIT) or None
    if not channel_id:
        return None
    if not is_incident_channel_name(settings, channel_name):
        return None
    severity = severity_from_channel_name(channel_name) or settings.default_severity
    try:
        with rt.sessions.begin() as session:
            if event_id:
                deliveries.record_key(session, event_id, rt.clock.now())
                session.flush()
            incident = _create(
                session,
                rt,
                channel_id=channel_id,
                channel_name=channel_name,
                title=bounded_name(title_from_channel_name(settings, channel_name), TITLE_LIMIT),
                severity=severity,
                actor=creator,
            )
            snapshot = _snapshot(session, settings, incident)
    except IntegrityError:
        return None
    rt.wake()
    return snapshot


def declare(
    rt: Runtime, *, channel_id: str, channel_name: str, user_id: str, severity: str, title: str
) -> Declared:
    """Bind the channel to a new incident, or return the one it already has."""
    severity = normalise_severity(severity)
    title = bounded_name(title, TITLE_LIMIT)
    channel_name = bounded_name(channel_name, CHANNEL_NAME_LIMIT)
    if not title:
        raise InvalidInput(
            "Give the incident a title, e.g. `/liaison declare sev2 Checkout failing in EU`."
        )
    existing = _find_by_channel(rt, channel_id)
    if existing is not None:
        return Declared(existing, created=False)
    try:
        with rt.sessions.begin() as session:
            incident = _create(
                session,
                rt,
                channel_id=channel_id,
                channel_name=channel_name,
                title=title,
                severity=severity,
                actor=user_id,
                # A declared title is written by a person for people: customers may read it.
                public_title=title[:300],
            )
            snapshot = _snapshot(session, rt.settings, incident)
    except IntegrityError:
        # Another request (or channel_created) bound this channel a moment ago.
        existing = _find_by_channel(rt, channel_id)
        if existing is None:
            raise
        return Declared(existing, created=False)
    rt.wake()
    return Declared(snapshot, created=True)


def open_in_channel(
    session: Session,
    rt: Runtime,
    *,
    channel_id: str,
    channel_name: str,
    title: str,
    severity: str,
) -> Incident:
    """Open an incident for a channel Liaison created itself (e.g. for a PagerDuty incident),
    in the caller's transaction, so the caller can link it in the same commit."""
    return _create(
        session,
        rt,
        channel_id=channel_id,
        channel_name=bounded_name(channel_name, CHANNEL_NAME_LIMIT),
        title=bounded_name(title, TITLE_LIMIT) or channel_name,
        severity=normalise_severity(severity),
        actor=None,
    )


def rename_channel(rt: Runtime, *, channel_id: str, channel_name: str) -> bool:
    """Keep an incident's channel name current (shown in the report modal and messages);
    False when the channel is no incident's. Idempotent: a redelivery writes the same."""
    name = bounded_name(channel_name, CHANNEL_NAME_LIMIT)
    if not name:
        return False
    with rt.sessions.begin() as session:
        incident = session.scalars(
            select(Incident).where(Incident.channel_id == bounded_name(channel_id, _ID_LIMIT))
        ).one_or_none()
        if incident is None:
            return False
        incident.channel_name = name
    return True


def for_channel(rt: Runtime, channel_id: str) -> IncidentSnapshot:
    """The incident bound to a channel, or a NotFound that says how to declare one."""
    snapshot = _find_by_channel(rt, channel_id)
    if snapshot is None:
        raise NotFound(
            "This channel is not an incident channel. Run `/liaison declare sev2 <title>` "
            "here to make it one."
        )
    return snapshot


def get(rt: Runtime, incident_id: int) -> IncidentSnapshot:
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        return _snapshot(session, rt.settings, incident)


def list_open(rt: Runtime) -> list[IncidentSnapshot]:
    """Open incidents, most recently opened first."""
    with rt.sessions() as session:
        incidents = session.scalars(
            select(Incident).where(Incident.status == "open").order_by(Incident.opened_at.desc())
        ).all()
        return [_snapshot(session, rt.settings, incident) for incident in incidents]


def change_severity(rt: Runtime, *, incident_id: int, severity: str, actor: str) -> SeverityChanged:
    severity = normalise_severity(severity)
    with rt.sessions.begin() as session:
        incident = _load_for_update(session, incident_id)
        previous = incident.severity
        if previous == severity:
            raise InvalidTransition(f"Incident #{incident.id} is already {severity}.")
        now = rt.clock.now()
        incident.severity = severity
        event = LifecycleEvent(
            Lifecycle.severity_changed, incident, now, actor=actor, previous_severity=previous
        )
        rt.hooks.emit(session, event)
        if is_major(rt.settings, severity) and not is_major(rt.settings, previous):
            incident.became_major_at = incident.became_major_at or now
            rt.hooks.emit(
                session, LifecycleEvent(Lifecycle.became_major, incident, now, actor=actor)
            )
        snapshot = _snapshot(session, rt.settings, incident)
    rt.wake()
    return SeverityChanged(snapshot, previous)


def resolve(rt: Runtime, *, incident_id: int, actor: str, note: str | None) -> IncidentSnapshot:
    with rt.sessions.begin() as session:
        incident = _load_for_update(session, incident_id)
        if not incident.is_open:
            raise InvalidTransition(
                f"Incident #{incident.id} is already resolved. Use `/liaison reopen` to reopen it."
            )
        now = rt.clock.now()
        incident.status = "resolved"
        incident.resolved_at = now
        incident.resolved_by = actor
        incident.resolution_note = (note or "").strip()[:3000] or None
        rt.hooks.emit(session, LifecycleEvent(Lifecycle.resolved, incident, now, actor=actor))
        snapshot = _snapshot(session, rt.settings, incident)
    rt.wake()
    return snapshot


def reopen(rt: Runtime, *, incident_id: int, actor: str) -> IncidentSnapshot:
    with rt.sessions.begin() as session:
        incident = _load_for_update(session, incident_id)
        if incident.is_open:
            raise InvalidTransition(f"Incident #{incident.id} is still open; nothing to reopen.")
        now = rt.clock.now()
        incident.status = "open"
        incident.resolved_at = None
        incident.resolved_by = None
        incident.reopened_at = now
        rt.hooks.emit(session, LifecycleEvent(Lifecycle.reopened, incident, now, actor=actor))
        snapshot = _snapshot(session, rt.settings, incident)
    rt.wake()
    return snapshot


def _create(
    session: Session,
    rt: Runtime,
    *,
    channel_id: str,
    channel_name: str,
    title: str,
    severity: str,
    actor: str | None,
    public_title: str | None = None,
) -> Incident:
    now = rt.clock.now()
    major = is_major(rt.settings, severity)
    incident = Incident(
        channel_id=channel_id,
        channel_name=channel_name,
        title=title,
        public_title=public_title,
        severity=severity,
        status="open",
        opened_by=actor,
        opened_at=now,
        became_major_at=now if major else None,
    )
    session.add(incident)
    session.flush()
    rt.hooks.emit(session, LifecycleEvent(Lifecycle.opened, incident, now, actor=actor))
    if major:
        rt.hooks.emit(session, LifecycleEvent(Lifecycle.became_major, incident, now, actor=actor))
    return incident


def _load_for_update(session: Session, incident_id: int) -> Incident:
    incident = session.scalars(
        select(Incident).where(Incident.id == incident_id).with_for_update()
    ).one_or_none()
    if incident is None:
        raise NotFound(f"Incident #{incident_id} does not exist.")
    return incident


def _find_by_channel(rt: Runtime, channel_id: str) -> IncidentSnapshot | None:
    with rt.sessions() as session:
        incident = session.scalars(
            select(Incident).where(Incident.channel_id == channel_id)
        ).one_or_none()
        return _snapshot(session, rt.settings, incident) if incident else None


def _snapshot(session: Session, settings: Settings, incident: Incident) -> IncidentSnapshot:
    reports, customers = session.execute(
        select(func.count(Report.id), func.count(func.distinct(Report.customer_key))).where(
            Report.incident_id == incident.id
        )
    ).one()
    return IncidentSnapshot(
        id=incident.id,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        title=incident.title,
        public_title=incident.public_title,
        severity=incident.severity,
        status=incident.status,
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        resolution_note=incident.resolution_note,
        report_count=int(reports),
        customer_count=int(customers),
        is_major=is_major(settings, incident.severity),
    )
