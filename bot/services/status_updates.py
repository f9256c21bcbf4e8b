"""Status updates: drafting one from the incident's facts, and posting it.

Posting stores the update, restarts the cadence clock and withdraws the reminders of the
interval it satisfied, all in one transaction, together with a reminder due at once that
publishes the update in the incident channel: if Slack is rate limiting or down, the
update is still recorded and its publication retried with backoff, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.dispatcher import Outcome
from bot.durations import format_duration
from bot.errors import FieldErrors, InvalidTransition, NotFound
from bot.inbound import CleanText, OptionalCleanText, RowId
from bot.jobs import Job, JobKind, Payload
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report, ReportFeature, StatusUpdate
from bot.rendering import Mrkdwn
from bot.runtime import Runtime
from bot.services import incident_titles, incidents
from bot.services.cadence_plan import (
    Milestone,
    cancel_milestones,
    last_status_update,
    restart_updates,
    update_deadline,
    update_interval,
)
from bot.slack.cadence_blocks import (
    AFFECTED_LIMIT,
    MESSAGE_LIMIT,
    NOTE_LIMIT,
    NextUpdateChoice,
    UpdateModalContent,
    update_message_blocks,
)

PUBLISH_KIND = "cadence.publish_update"


class PublishPayload(Payload):
    status_update_id: int


# Posts a stored update in the incident channel; one per update (keyed by its id).
PUBLISH: JobKind[PublishPayload] = JobKind(PUBLISH_KIND, PublishPayload)
# Offered next-update delays; those longer than the severity's interval are left out.
_NEXT_UPDATE_STEPS_MINUTES = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720)
_WEEK = 7 * 24 * 3600  # no promise reaches further; beyond it a value is garbage


class UpdateStatus(StrEnum):
    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"


class UpdateSubmission(BaseModel):
    """A status update as submitted; field names are what FieldErrors refer to.

    Free text arrives without control characters (bot/inbound.py); numbers are bounded
    so a fuzzed value is a field error, not a database error.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    incident_id: RowId
    status: UpdateStatus
    affected: OptionalCleanText = None
    internal_note: OptionalCleanText = None
    customer_message: CleanText = ""
    next_update_seconds: Annotated[int, Field(ge=-_WEEK, le=_WEEK)] | None = None
    # Linked help-desk tickets get the message as a public reply, not an internal note.
    send_to_reporters: bool = False

    @field_validator("customer_message")
    @classmethod
    def _message(cls, value: str) -> str:
        if not value:
            raise ValueError("Write the message for customers (the draft is a starting point).")
        if len(value) > MESSAGE_LIMIT:
            raise ValueError(f"Keep the message under {MESSAGE_LIMIT:,} characters.")
        return value

    @field_validator("affected")
    @classmethod
    def _affected(cls, value: str | None) -> str | None:
        if value and len(value) > AFFECTED_LIMIT:
            raise ValueError(f"Keep this under {AFFECTED_LIMIT} characters.")
        return value or None

    @field_validator("internal_note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        if value and len(value) > NOTE_LIMIT:
            raise ValueError(f"Keep the note under {NOTE_LIMIT:,} characters.")
        return value or None


_MESSAGES = {
    "enum": "Pick one of the listed statuses.",
    "missing": "This is required.",
    "string_type": "This answer could not be read; write it again.",
}
_FIELD_MESSAGES = {
    "next_update_seconds": "Choose when the next update will come.",
    "incident_id": "This form is stale; close it and run `/liaison update` again.",
}


def parse_update(data: dict[str, object]) -> UpdateSubmission:
    """Validate raw values; every problem becomes a FieldErrors entry keyed by field name."""
    try:
        return UpdateSubmission.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "customer_message"
            message = (
                error.get("ctx", {}).get("error")
                or _FIELD_MESSAGES.get(field)
                or _MESSAGES.get(error["type"])
            )
            errors.setdefault(field, str(message or error["msg"]))
        raise FieldErrors(errors) from exc


@dataclass(frozen=True)
class IncidentFacts:
    """The facts a draft is written from."""

    id: int
    title: str
    public_title: str  # what customers read; the internal title may name the channel
    severity: str
    channel_id: str | None
    opened_at: datetime
    started: datetime  # opened_at in the business time zone, for plain-text drafts
    customer_count: int
    features: list[str]
    regions: list[str]


@dataclass(frozen=True)
class PostedUpdate:
    id: int
    incident_id: int
    status: UpdateStatus
    next_update_at: datetime | None
    recorded_assessment: bool
    resolved: incidents.IncidentSnapshot | None
    replayed: bool = False  # posted by an earlier delivery of the same submission


def next_update_choices(interval: timedelta) -> list[NextUpdateChoice]:
    steps = [timedelta(minutes=m) for m in _NEXT_UPDATE_STEPS_MINUTES]
    delays = sorted({*(s for s in steps if s < interval), interval})
    return [NextUpdateChoice(f"In {format_duration(d)}", int(d.total_seconds())) for d in delays]


def draft_update(rt: Runtime, incident_id: int) -> UpdateModalContent:
    """The update modal for an open incident, its customer message drafted from the facts."""
    now = rt.clock.now()
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        if not incident.is_open:
            raise InvalidTransition(
                f"Incident #{incident.id} is resolved. Use `/liaison reopen` to post updates again."
            )
        facts = _facts(session, rt, incident)
        last = last_status_update(session, incident.id)
        deadline = update_deadline(session, rt.settings, incident)
        assessed = incident.assessed_at is not None
    interval = update_interval(rt.settings, facts.severity)
    status = last.status if last is not None and last.status != "resolved" else "investigating"
    affected = (last.affected if last is not None else None) or _affected_text(rt, facts)
    context = {
        "incident": facts,
        "status": status,
        "affected": affected,
        "interval": interval,
        "last_update": last.posted_at if last else None,
        "due": deadline.due_at if deadline else None,
        "overdue": (now - deadline.due_at) if deadline and deadline.due_at < now else None,
        "assessed": assessed,
    }
    return UpdateModalContent(
        incident_id=facts.id,
        intro=rt.renderer.render("cadence/update_modal_intro.j2", **context),
        status=status,
        affected=affected,
        message=rt.renderer.render("cadence/customer_draft.txt.j2", **context),
        next_choices=next_update_choices(interval),
        next_default=int(interval.total_seconds()),
        offer_send_to_reporters=rt.settings.zendesk_enabled or rt.settings.salesforce_enabled,
    )


def post_update(
    rt: Runtime,
    submission: UpdateSubmission,
    *,
    actor: str,
    submission_key: str | None = None,
) -> PostedUpdate:
    """Store the update and restart the cadence; "resolved" also resolves the incident.

    ``submission_key`` (``slack:view:<view id>``) is unique among updates: the same form
    delivered again returns the update posted the first time (``replayed``) and posts
    nothing, whichever replica it reaches.
    """
    if submission_key is not None:
        stored = _stored_update(rt, submission_key)
        if stored is not None:
            return stored
    try:
        return _post_update(rt, submission, actor=actor, submission_key=submission_key)
    except IntegrityError:
        stored = _stored_update(rt, submission_key) if submission_key is not None else None
        if stored is None:
            raise
        return stored


def _stored_update(rt: Runtime, submission_key: str) -> PostedUpdate | None:
    with rt.sessions() as session:
        update = session.scalars(
            select(StatusUpdate).where(StatusUpdate.submission_key == submission_key)
        ).first()
        if update is None:
            return None
        return PostedUpdate(
            id=update.id,
            incident_id=update.incident_id,
            status=UpdateStatus(update.status),
            next_update_at=update.next_update_at,
            recorded_assessment=False,
            resolved=None,
            replayed=True,
        )


def _post_update(
    rt: Runtime, submission: UpdateSubmission, *, actor: str, submission_key: str | None
) -> PostedUpdate:
    now = rt.clock.now()
    resolving = submission.status is UpdateStatus.resolved
    with rt.sessions.begin() as session:
        incident = session.get(Incident, submission.incident_id, with_for_update=True)
        if incident is None:
            raise FieldErrors({"customer_message": "That incident no longer exists."})
        if not incident.is_open:
            message = f"Incident #{incident.id} was resolved meanwhile; nothing was posted."
            raise FieldErrors({"status": message})
        next_at = None if resolving else _next_update_at(rt, incident, submission, now)
        update = StatusUpdate(
            incident_id=incident.id,
            status=submission.status.value,
            affected=submission.affected,
            internal_note=submission.internal_note,
            customer_message=submission.customer_message,
            posted_by=actor,
            posted_at=now,
            next_update_at=next_at,
            submission_key=submission_key,
            send_to_reporters=submission.send_to_reporters,
        )
        session.add(update)
        session.flush()
        rt.hooks.emit(
            session,
            LifecycleEvent(
                Lifecycle.update_posted, incident, now, actor=actor, status_update_id=update.id
            ),
        )
        incident.last_update_at = now
        recorded_assessment = incident.assessed_at is None
        if recorded_assessment:
            incident.assessed_at = now
            cancel_milestones(session, incident.id, Milestone.assessment, now=now)
        if resolving:
            cancel_milestones(session, incident.id, Milestone.update, now=now)
        else:
            restart_updates(session, rt.settings, incident, now=now)
        jobs.schedule(
            session,
            PUBLISH,
            PublishPayload(status_update_id=update.id),
            key=str(update.id),
            due_at=now,
            now=now,
            incident_id=incident.id,
        )
        posted = PostedUpdate(
            id=update.id,
            incident_id=incident.id,
            status=submission.status,
            next_update_at=next_at,
            recorded_assessment=recorded_assessment,
            resolved=None,
        )
    rt.wake()
    if not resolving:
        return posted
    try:
        snapshot = incidents.resolve(
            rt, incident_id=posted.incident_id, actor=actor, note=submission.internal_note
        )
    except InvalidTransition:  # resolved by someone else a moment ago: what was asked for
        return posted
    return replace(posted, resolved=snapshot)


def _next_update_at(
    rt: Runtime, incident: Incident, submission: UpdateSubmission, now: datetime
) -> datetime:
    interval = update_interval(rt.settings, incident.severity)
    if submission.next_update_seconds is None:
        return now + interval
    delay = timedelta(seconds=submission.next_update_seconds)
    if delay <= timedelta():
        raise FieldErrors({"next_update_seconds": "Choose when the next update will come."})
    if delay > interval:
        raise FieldErrors(
            {
                "next_update_seconds": f"A {incident.severity} incident promises an update at "
                f"least every {format_duration(interval)}; choose that or sooner."
            }
        )
    return now + delay


def install_publishing(rt: Runtime) -> None:
    rt.dispatcher.declare(PUBLISH, partial(publish_update, rt))


def publish_update(rt: Runtime, reminder: Job[PublishPayload]) -> Outcome:
    """Post a stored update in the incident channel (once: the ts is recorded)."""
    with rt.sessions() as session:
        update = session.get(StatusUpdate, reminder.payload.status_update_id)
        incident = session.get(Incident, reminder.incident_id)
        if update is None or incident is None or update.message_ts or not incident.channel_id:
            return Outcome.obsolete
        channel = incident.channel_id
        context = {
            "update": update,
            "incident": {"id": incident.id, "title": incident.title, "severity": incident.severity},
        }
    headline = rt.renderer.render("cadence/update_posted.j2", **context)
    details = rt.renderer.render("cadence/update_details.j2", **context)
    blocks = update_message_blocks(headline, update.customer_message, details)
    fallback = rt.renderer.render(
        "cadence/update_fallback.j2", headline=Mrkdwn(headline), **context
    )
    posted = rt.notifier.post(channel, fallback, blocks)
    with rt.sessions.begin() as session:
        stored = session.get(StatusUpdate, update.id)
        if stored is not None:
            stored.message_ts = posted.ts
    return Outcome.sent


def _facts(session: Session, rt: Runtime, incident: Incident) -> IncidentFacts:
    features = session.scalars(
        select(ReportFeature.feature)
        .where(ReportFeature.incident_id == incident.id)
        .group_by(ReportFeature.feature)
        .order_by(func.count().desc(), ReportFeature.feature)
        .limit(5)
    ).all()
    regions = session.scalars(
        select(Report.region)
        .where(Report.incident_id == incident.id, Report.region.is_not(None))
        .group_by(Report.region)
        .order_by(func.count().desc(), Report.region)
        .limit(5)
    ).all()
    customers = session.scalar(
        select(func.count(func.distinct(Report.customer_key))).where(
            Report.incident_id == incident.id
        )
    )
    return IncidentFacts(
        id=incident.id,
        title=incident.title,
        public_title=incident_titles.customer_title(rt.renderer, incident),
        severity=incident.severity,
        channel_id=incident.channel_id,
        opened_at=incident.opened_at,
        started=incident.opened_at.astimezone(ZoneInfo(rt.settings.business_timezone)),
        customer_count=int(customers or 0),
        features=[str(f) for f in features],
        regions=[str(r) for r in regions if r],
    )


def _affected_text(rt: Runtime, facts: IncidentFacts) -> str:
    """ "checkout, payments in eu-west" from the reports; empty when nothing is known yet."""
    return rt.renderer.render(
        "cadence/affected.txt.j2", features=facts.features, regions=facts.regions
    )
