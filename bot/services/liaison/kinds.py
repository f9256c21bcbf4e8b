"""The liaison's durable reminders: their kinds, payloads, and how they are scheduled.

Each step that talks to Slack is its own reminder, written in the transaction that made
it necessary, so a crash or a Slack outage between steps loses nothing and a retry never
repeats a step that already reached people (one announcement, one DM).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import JobKind, Payload, RetryPolicy
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, LiaisonAssignment
from bot.runtime import Runtime
from bot.services.liaison.records import AssignmentView, Status


class Kind(StrEnum):
    assign = "liaison.assign"  # choose from the pool (incident became major, reopened)
    announce = "liaison.announce"  # join, invite, topic, announcement in the channel
    checklist = "liaison.checklist"  # the liaison's DM with their commitments
    accept_timeout = "liaison.accept_timeout"  # nobody accepted: ask the next member
    channel_notice = "liaison.channel_notice"  # something the channel must hear
    escalate = "liaison.escalate"  # something the escalation contact must hear


class Reason(StrEnum):
    """Why an assignment was made; the announcement says it."""

    major = "major"
    reopen = "reopen"
    manual = "manual"
    hand_off = "hand_off"
    after_timeout = "after_timeout"
    after_unreachable = "after_unreachable"


class AssignPayload(Payload):
    reason: Reason = Reason.major
    prefer: str | None = None


class AnnouncePayload(Payload):
    assignment_id: int
    reason: Reason
    previous_user: str | None = None
    previous_error: str | None = None
    concerns: dict[str, Any] | None = None


class AssignmentPayload(Payload):
    assignment_id: int


class TextPayload(Payload):
    text: str
    channel: str | None = None


# From this attempt on, a Slack error still called transient is reported (in the
# announcement, to the escalation contact) instead of retried again: the liaison gets their
# DM rather than the job ending as a silent failure.
ANNOUNCE_ATTEMPTS = 4

ASSIGN: JobKind[AssignPayload] = JobKind(Kind.assign, AssignPayload)
ANNOUNCE: JobKind[AnnouncePayload] = JobKind(
    Kind.announce, AnnouncePayload, retry=RetryPolicy(max_attempts=ANNOUNCE_ATTEMPTS)
)
CHECKLIST: JobKind[AnnouncePayload] = JobKind(
    Kind.checklist, AnnouncePayload, retry=RetryPolicy(max_attempts=ANNOUNCE_ATTEMPTS)
)
ACCEPT_TIMEOUT: JobKind[AssignmentPayload] = JobKind(Kind.accept_timeout, AssignmentPayload)
CHANNEL_NOTICE: JobKind[TextPayload] = JobKind(Kind.channel_notice, TextPayload)
# The target is the escalation contact; a user group fans out to one job per member.
ESCALATE: JobKind[TextPayload] = JobKind(Kind.escalate, TextPayload)


def schedule_assign(
    session: Session, *, incident: Incident, now: datetime, key: str, payload: AssignPayload
) -> bool:
    return jobs.schedule(
        session,
        ASSIGN,
        payload,
        key=f"{incident.id}:{key}",
        due_at=now,
        now=now,
        incident_id=incident.id,
    )


def roles_changed(
    session: Session, rt: Runtime, incident: Incident, now: datetime, *users: str | None
) -> None:
    """Tell subscribers (App Home) whose liaison roles changed, in the same transaction."""
    changed = tuple(dict.fromkeys(user for user in users if user))
    if changed:
        event = LifecycleEvent(Lifecycle.liaison_changed, incident, now, users=changed)
        rt.hooks.emit(session, event)


def schedule_delivery(
    session: Session,
    rt: Runtime,
    *,
    assignment: LiaisonAssignment,
    incident: Incident,
    payload: AnnouncePayload,
    now: datetime,
) -> None:
    """Announce the new assignment now, and ask the next member if it is not accepted."""
    roles_changed(session, rt, incident, now, assignment.user_id)
    jobs.schedule(
        session,
        ANNOUNCE,
        payload,
        key=str(assignment.id),
        due_at=now,
        now=now,
        incident_id=incident.id,
        target=assignment.user_id,
    )
    if incident.is_open and assignment.status == Status.pending:
        jobs.schedule(
            session,
            ACCEPT_TIMEOUT,
            AssignmentPayload(assignment_id=assignment.id),
            key=str(assignment.id),
            due_at=assignment.assigned_at + rt.settings.liaison_accept_timeout,
            now=now,
            incident_id=incident.id,
            target=assignment.user_id,
        )


def schedule_checklist(
    session: Session, *, payload: AnnouncePayload, view: AssignmentView, now: datetime
) -> None:
    """The liaison's DM, after the channel setup (it carries why they were asked)."""
    jobs.schedule(
        session,
        CHECKLIST,
        payload,
        key=str(view.id),
        due_at=now,
        now=now,
        incident_id=view.incident_id,
        target=view.user_id,
    )


def cancel_timeouts(session: Session, *, incident_id: int, now: datetime) -> None:
    """The role was accepted or moved: no earlier accept timeout of the incident may fire.

    Call before scheduling the next assignment's timeout (one active assignment per
    incident means at most one timeout is ever relevant).
    """
    jobs.cancel(session, ACCEPT_TIMEOUT, now=now, incident_id=incident_id)


def schedule_notice(
    session: Session,
    rt: Runtime,
    *,
    incident: Incident,
    key: str,
    now: datetime,
    channel_text: str | None = None,
    escalation_text: str | None = None,
) -> None:
    """Tell the incident channel and/or the escalation contact, once per ``key``."""
    if channel_text and incident.channel_id:
        jobs.schedule(
            session,
            CHANNEL_NOTICE,
            TextPayload(text=channel_text, channel=incident.channel_id),
            key=f"{incident.id}:{key}",
            due_at=now,
            now=now,
            incident_id=incident.id,
        )
    if escalation_text and rt.settings.liaison_escalation:
        jobs.schedule(
            session,
            ESCALATE,
            TextPayload(text=escalation_text),
            key=f"{incident.id}:{key}",
            due_at=now,
            now=now,
            incident_id=incident.id,
            target=rt.settings.liaison_escalation,
        )
