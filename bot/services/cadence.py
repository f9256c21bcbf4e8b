"""Update cadence: keeps the promises made to customers about an incident.

Lifecycle subscribers start, move and withdraw the deadlines (bot/services/cadence_plan.py)
inside the transaction of the change that caused them; the reminder handlers
(bot/services/cadence_nudges.py) send the nudges; status updates
(bot/services/status_updates.py) and the milestones recorded here satisfy them.

- opened, severity changed, reopened: the update clock (re)starts;
- first customer report, or becoming major: the assessment clock starts;
- resolved: the update and assessment clocks stop, the report deadlines start;
- reopened: the report deadlines are withdrawn until the next resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import InvalidInput, InvalidTransition
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.cadence_nudges import install_reminder_handlers
from bot.services.cadence_plan import (
    REPORT_MILESTONES,
    Milestone,
    Since,
    cancel_milestones,
    report_deadline,
    restart_assessment,
    restart_updates,
    schedule_reports,
    start_assessment,
)
from bot.services.status_updates import install_publishing

URL_LIMIT = 500


def install(rt: Runtime) -> None:
    """Subscribe to the incident lifecycle and register the cadence reminder handlers."""
    settings = rt.settings
    rt.hooks.subscribe(Lifecycle.opened, partial(_on_opened, settings))
    rt.hooks.subscribe(Lifecycle.became_major, partial(_on_became_major, settings))
    rt.hooks.subscribe(Lifecycle.report_attached, partial(_on_report_attached, settings))
    rt.hooks.subscribe(Lifecycle.severity_changed, partial(_on_severity_changed, settings))
    rt.hooks.subscribe(Lifecycle.resolved, partial(_on_resolved, settings))
    rt.hooks.subscribe(Lifecycle.reopened, partial(_on_reopened, settings))
    install_reminder_handlers(rt)
    install_publishing(rt)


def _on_opened(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    restart_updates(session, settings, event.incident, now=event.now)


def _on_became_major(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    opened_as_major = event.incident.opened_at == event.now
    why = Since.opened if opened_as_major else Since.became_major
    start_assessment(session, settings, event.incident, since=event.now, why=why)


def _on_report_attached(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    start_assessment(session, settings, event.incident, since=event.now, why=Since.first_report)


def _on_severity_changed(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    if event.incident.is_open:
        restart_updates(session, settings, event.incident, now=event.now)


def _on_resolved(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    incident = event.incident
    cancel_milestones(session, incident.id, Milestone.assessment, Milestone.update, now=event.now)
    schedule_reports(session, settings, incident, now=event.now)


def _on_reopened(settings: Settings, session: Session, event: LifecycleEvent) -> None:
    incident = event.incident
    cancel_milestones(session, incident.id, *REPORT_MILESTONES, now=event.now)
    restart_updates(session, settings, incident, now=event.now)
    restart_assessment(session, settings, incident, now=event.now)


@dataclass(frozen=True)
class MilestoneRecorded:
    """A deadline met: when, against which due time, and whether it was the first record."""

    incident_id: int
    incident_title: str
    channel_id: str | None
    milestone: Milestone
    at: datetime
    due: datetime | None
    url: str | None
    first_time: bool

    by: str

    @property
    def early_by(self) -> timedelta | None:
        return self.due - self.at if self.due is not None and self.due >= self.at else None

    @property
    def late_by(self) -> timedelta | None:
        return self.at - self.due if self.due is not None and self.at > self.due else None


def record_assessment(rt: Runtime, *, channel_id: str, actor: str) -> MilestoneRecorded:
    """``/liaison assessed``: the impact assessment is done; its reminders are withdrawn."""
    incident_id = incidents.for_channel(rt, channel_id).id
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident = _lock(session, incident_id)
        if incident.assessed_at is not None:
            raise InvalidTransition(
                f"The impact assessment of incident #{incident.id} is already recorded."
            )
        incident.assessed_at = now
        due = incident.assessment_due_at
        cancel_milestones(session, incident.id, Milestone.assessment, now=now)
        return _recorded(incident, Milestone.assessment, now, due, None, actor, first_time=True)


def record_report(
    rt: Runtime, *, channel_id: str, milestone: Milestone, url: str, actor: str
) -> MilestoneRecorded:
    """``/liaison prelim|pir <link>``: the report is delivered; its reminders are withdrawn.

    Recording it again replaces the link and keeps the first delivery time.
    """
    if milestone not in REPORT_MILESTONES:
        raise ValueError(f"{milestone} is not a report milestone")
    link = _valid_link(url)
    incident_id = incidents.for_channel(rt, channel_id).id
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident = _lock(session, incident_id)
        deadline = report_deadline(rt.settings, incident, milestone)
        if milestone is Milestone.prelim:
            first = incident.prelim_delivered_at is None
            incident.prelim_report_url = link
            incident.prelim_delivered_at = incident.prelim_delivered_at or now
        else:
            first = incident.pir_delivered_at is None
            incident.pir_url = link
            incident.pir_delivered_at = incident.pir_delivered_at or now
        cancel_milestones(session, incident.id, milestone, now=now)
        due = deadline.due_at if deadline else None
        return _recorded(incident, milestone, now, due, link, actor, first_time=first)


def _valid_link(url: str) -> str:
    link = url.strip()
    parsed = urlparse(link)
    if not link or parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
        raise InvalidInput("Give the report's link (an http or https URL).")
    if len(link) > URL_LIMIT:
        raise InvalidInput(f"That link is over {URL_LIMIT} characters; use a shorter one.")
    return link


def _lock(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise InvalidTransition(f"Incident #{incident_id} no longer exists.")
    return incident


def _recorded(
    incident: Incident,
    milestone: Milestone,
    at: datetime,
    due: datetime | None,
    url: str | None,
    by: str,
    *,
    first_time: bool,
) -> MilestoneRecorded:
    return MilestoneRecorded(
        incident_id=incident.id,
        incident_title=incident.title,
        channel_id=incident.channel_id,
        milestone=milestone,
        at=at,
        due=due,
        url=url,
        first_time=first_time,
        by=by,
    )
