"""Cadence deadlines: when each promise to customers falls due, and the reminders guarding it.

Four milestones per incident: the impact assessment (from the first customer report, or
from becoming major), a status update every interval of the severity (counted from the
last update), the preliminary report and the post-incident report (business days after
resolution). Each deadline is guarded by up to three reminder rows, written in the
transaction of the change that set the deadline:

- ``nudge``: a DM to the liaison a lead time before the deadline;
- ``due``: a short visible reminder in the incident channel at the deadline (repeated every
  interval while an update is still missing);
- ``escalate``: the escalation contact, once the deadline is overdue by a full period.

Jobs carry the deadline they guard (``CadencePayload``); the assessment deadline itself
is a fact of the incident (``incidents.assessment_due_at``). Handlers recompute the
deadline from the database before sending and drop the reminder if it moved or was met,
so a reminder whose reason disappeared is never sent even if it was claimed a moment
before its cancellation. The kinds are declared here (``KINDS``), one per milestone and
stage, coalescing: what piled up while the app was down goes out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.config import Settings
from bot.jobs import Coalesce, JobKind, Payload
from bot.models import Incident, StatusUpdate


class Milestone(StrEnum):
    assessment = "assessment"
    update = "update"
    prelim = "prelim"
    pir = "pir"


class Stage(StrEnum):
    nudge = "nudge"
    due = "due"
    escalate = "escalate"


class Since(StrEnum):
    """What started a deadline's clock, so messages can say "since when"."""

    first_report = "first_report"
    became_major = "became_major"
    opened = "opened"
    reopened = "reopened"
    last_update = "last_update"
    resolved = "resolved"


REPORT_MILESTONES = (Milestone.prelim, Milestone.pir)


def reminder_kind(milestone: Milestone, stage: Stage) -> str:
    """``cadence.update.nudge`` and so on: one kind per milestone and stage."""
    return f"cadence.{milestone.value}.{stage.value}"


def kinds_of(*milestones: Milestone) -> list[str]:
    return [reminder_kind(milestone, stage) for milestone in milestones for stage in Stage]


def parse_kind(kind: str) -> tuple[Milestone, Stage]:
    prefix, milestone, stage = kind.split(".")
    if prefix != "cadence":
        raise ValueError(f"{kind!r} is not a cadence reminder kind")
    return Milestone(milestone), Stage(stage)


class CadencePayload(Payload):
    """The deadline a reminder guards (epoch seconds, as stored since the first version)."""

    due: int
    since: int
    since_what: str = Field(default="", alias="from")


KINDS: dict[tuple[Milestone, Stage], JobKind[CadencePayload]] = {
    (milestone, stage): JobKind(
        reminder_kind(milestone, stage), CadencePayload, coalesce=Coalesce.newest
    )
    for milestone in Milestone
    for stage in Stage
}


def kinds_for(*milestones: Milestone) -> list[JobKind[CadencePayload]]:
    return [KINDS[milestone, stage] for milestone in milestones for stage in Stage]


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True)
class Deadline:
    """One promise: what is due, when its clock started, and when it falls due."""

    milestone: Milestone
    due_at: datetime
    since: datetime
    since_what: Since
    nudge_at: datetime | None
    escalate_at: datetime

    def payload(self) -> CadencePayload:
        return CadencePayload(
            due=epoch(self.due_at), since=epoch(self.since), since_what=self.since_what
        )

    def key(self, incident_id: int, stage: Stage) -> str:
        return f"{incident_id}:{self.milestone.value}:{epoch(self.due_at)}:{stage.value}"


def update_interval(settings: Settings, severity: str) -> timedelta:
    return settings.cadence_update_intervals[severity]


def _nudge_at(due_at: datetime, since: datetime, lead: timedelta) -> datetime | None:
    """The nudge's time, or None when it would come at or before the clock even started."""
    moment = due_at - lead
    return moment if moment > since else None


def last_status_update(session: Session, incident_id: int) -> StatusUpdate | None:
    return session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident_id)
        .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    ).first()


def update_deadline(session: Session, settings: Settings, incident: Incident) -> Deadline | None:
    """When the next status update is due: the last update (or opening, or reopening) plus
    the severity's interval, or sooner if the last update promised an earlier one."""
    if not incident.is_open:
        return None
    starts = [
        (incident.opened_at, Since.opened),
        (incident.reopened_at, Since.reopened),
        (incident.last_update_at, Since.last_update),
    ]
    since, since_what = max(((at, what) for at, what in starts if at), key=lambda item: item[0])
    interval = update_interval(settings, incident.severity)
    due_at = since + interval
    if since_what is Since.last_update:
        last = last_status_update(session, incident.id)
        if last is not None and last.next_update_at is not None:
            due_at = min(due_at, last.next_update_at)
    return Deadline(
        milestone=Milestone.update,
        due_at=due_at,
        since=since,
        since_what=since_what,
        nudge_at=_nudge_at(due_at, since, settings.cadence_nudge_lead),
        escalate_at=due_at + interval,
    )


def assessment_deadline(settings: Settings, since: datetime, since_what: Since) -> Deadline:
    due_at = since + settings.cadence_assessment_due
    return Deadline(
        milestone=Milestone.assessment,
        due_at=due_at,
        since=since,
        since_what=since_what,
        nudge_at=_nudge_at(due_at, since, settings.cadence_nudge_lead),
        escalate_at=due_at + settings.cadence_assessment_due,
    )


def report_deadline(
    settings: Settings, incident: Incident, milestone: Milestone
) -> Deadline | None:
    """Preliminary / post-incident report: business days after resolution, until delivered."""
    delivered = (
        incident.prelim_delivered_at if milestone is Milestone.prelim else incident.pir_delivered_at
    )
    if incident.is_open or incident.resolved_at is None or delivered is not None:
        return None
    days = (
        settings.cadence_prelim_business_days
        if milestone is Milestone.prelim
        else settings.cadence_pir_business_days
    )
    calendar = settings.business_calendar()
    due_at = calendar.add_business_days(incident.resolved_at, days)
    return Deadline(
        milestone=milestone,
        due_at=due_at,
        since=incident.resolved_at,
        since_what=Since.resolved,
        nudge_at=_nudge_at(due_at, incident.resolved_at, settings.cadence_report_nudge_lead),
        # Overdue by a full period: as many business days again (at least one).
        escalate_at=calendar.add_business_days(due_at, max(1, days)),
    )


def still_due(
    session: Session, settings: Settings, incident: Incident, milestone: Milestone, due_at: datetime
) -> bool:
    """Whether the deadline a reminder guards is still the incident's current, unmet one."""
    if milestone is Milestone.assessment:
        return incident.is_open and incident.assessed_at is None
    if milestone is Milestone.update:
        current = update_deadline(session, settings, incident)
    else:
        current = report_deadline(settings, incident, milestone)
    return current is not None and epoch(current.due_at) == epoch(due_at)


def schedule_deadline(
    session: Session, incident_id: int, deadline: Deadline, *, now: datetime
) -> None:
    """Write the reminders guarding ``deadline`` (reviving ones withdrawn earlier)."""
    stages = [(Stage.due, deadline.due_at), (Stage.escalate, deadline.escalate_at)]
    if deadline.nudge_at is not None:
        stages.insert(0, (Stage.nudge, deadline.nudge_at))
    for stage, due_at in stages:
        jobs.schedule(
            session,
            KINDS[deadline.milestone, stage],
            deadline.payload(),
            key=deadline.key(incident_id, stage),
            due_at=due_at,
            now=now,
            incident_id=incident_id,
            revive=True,
        )


def cancel_milestones(
    session: Session, incident_id: int, *milestones: Milestone, now: datetime
) -> int:
    return jobs.cancel(session, kinds_for(*milestones), now=now, incident_id=incident_id)


def restart_updates(
    session: Session, settings: Settings, incident: Incident, *, now: datetime
) -> Deadline | None:
    """Withdraw the update reminders and guard the deadline as it stands now."""
    cancel_milestones(session, incident.id, Milestone.update, now=now)
    deadline = update_deadline(session, settings, incident)
    if deadline is not None:
        schedule_deadline(session, incident.id, deadline, now=now)
        if deadline.due_at <= now:
            # Already overdue (and its channel reminder perhaps sent): keep the repeats going.
            schedule_repeat(
                session, settings, incident, due_at=deadline.due_at,
                payload=deadline.payload(), now=now,
            )  # fmt: skip
    return deadline


def start_assessment(
    session: Session, settings: Settings, incident: Incident, *, since: datetime, why: Since
) -> Deadline | None:
    """Start the assessment clock unless it already runs (or ran) for this incident."""
    if incident.assessed_at is not None or not incident.is_open:
        return None
    if incident.assessment_due_at is not None:
        return None
    deadline = assessment_deadline(settings, since, why)
    incident.assessment_due_at = deadline.due_at
    schedule_deadline(session, incident.id, deadline, now=since)
    return deadline


def restart_assessment(
    session: Session, settings: Settings, incident: Incident, *, now: datetime
) -> Deadline | None:
    """On reopening: an assessment that was due and never recorded is due again."""
    if incident.assessed_at is not None or incident.assessment_due_at is None:
        return None
    if jobs.has_jobs(session, kinds_for(Milestone.assessment), incident_id=incident.id):
        return None
    deadline = assessment_deadline(settings, now, Since.reopened)
    incident.assessment_due_at = deadline.due_at
    schedule_deadline(session, incident.id, deadline, now=now)
    return deadline


def schedule_reports(
    session: Session, settings: Settings, incident: Incident, *, now: datetime
) -> list[Deadline]:
    """On resolution: guard the report deadlines not yet met."""
    deadlines = []
    for milestone in REPORT_MILESTONES:
        deadline = report_deadline(settings, incident, milestone)
        if deadline is not None:
            schedule_deadline(session, incident.id, deadline, now=now)
            deadlines.append(deadline)
    return deadlines


def schedule_repeat(
    session: Session,
    settings: Settings,
    incident: Incident,
    *,
    due_at: datetime,
    payload: CadencePayload,
    now: datetime,
) -> datetime:
    """The next channel reminder for a still-missing update: the first whole interval
    after ``now``, so a long outage yields one reminder, not one per missed interval."""
    interval = update_interval(settings, incident.severity)
    periods = int((now - due_at) / interval) + 1
    at = due_at + periods * interval
    jobs.schedule(
        session,
        KINDS[Milestone.update, Stage.due],
        payload,
        key=f"{incident.id}:update:{epoch(due_at)}:due:{periods}",
        due_at=at,
        now=now,
        incident_id=incident.id,
        revive=True,
    )
    return at
