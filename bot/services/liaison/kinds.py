"""The liaison's durable reminders: their kinds, payloads, and how they are scheduled.

Each step that talks to Slack is its own reminder, written in the transaction that made
it necessary, so a crash or a Slack outage between steps loses nothing and a retry never
repeats a step that already reached people (one announcement, one DM).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from bot import reminders
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


class AssignPayload(BaseModel):
    reason: Reason = Reason.major
    prefer: str | None = None


class AnnouncePayload(BaseModel):
    assignment_id: int
    reason: Reason
    previous_user: str | None = None
    previous_error: str | None = None
    concerns: dict[str, Any] | None = None


class AssignmentPayload(BaseModel):
    assignment_id: int


class TextPayload(BaseModel):
    text: str
    channel: str | None = None


def schedule_assign(
    session: Session, *, incident: Incident, now: datetime, key: str, payload: AssignPayload
) -> bool:
    return reminders.schedule(
        session,
        kind=Kind.assign,
        dedupe_key=f"{Kind.assign}:{incident.id}:{key}",
        due_at=now,
        now=now,
        incident_id=incident.id,
        payload=payload.model_dump(mode="json"),
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
    reminders.schedule(
        session,
        kind=Kind.announce,
        dedupe_key=f"{Kind.announce}:{assignment.id}",
        due_at=now,
        now=now,
        incident_id=incident.id,
        target=assignment.user_id,
        payload=payload.model_dump(mode="json"),
    )
    if incident.is_open and assignment.status == Status.pending:
        reminders.schedule(
            session,
            kind=Kind.accept_timeout,
            dedupe_key=f"{Kind.accept_timeout}:{assignment.id}",
            due_at=assignment.assigned_at + rt.settings.liaison_accept_timeout,
            now=now,
            incident_id=incident.id,
            target=assignment.user_id,
            payload=AssignmentPayload(assignment_id=assignment.id).model_dump(),
        )


def schedule_checklist(
    session: Session, *, payload: AnnouncePayload, view: AssignmentView, now: datetime
) -> None:
    """The liaison's DM, after the channel setup (it carries why they were asked)."""
    reminders.schedule(
        session,
        kind=Kind.checklist,
        dedupe_key=f"{Kind.checklist}:{view.id}",
        due_at=now,
        now=now,
        incident_id=view.incident_id,
        target=view.user_id,
        payload=payload.model_dump(mode="json"),
    )


def cancel_timeouts(session: Session, *, incident_id: int, now: datetime) -> None:
    """The role was accepted or moved: no earlier accept timeout of the incident may fire.

    Call before scheduling the next assignment's timeout (one active assignment per
    incident means at most one timeout is ever relevant).
    """
    reminders.cancel(session, now=now, kinds=[Kind.accept_timeout], incident_id=incident_id)


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
        reminders.schedule(
            session,
            kind=Kind.channel_notice,
            dedupe_key=f"{Kind.channel_notice}:{incident.id}:{key}",
            due_at=now,
            now=now,
            incident_id=incident.id,
            payload=TextPayload(text=channel_text, channel=incident.channel_id).model_dump(),
        )
    if escalation_text and rt.settings.liaison_escalation:
        reminders.schedule(
            session,
            kind=Kind.escalate,
            dedupe_key=f"{Kind.escalate}:{incident.id}:{key}",
            due_at=now,
            now=now,
            incident_id=incident.id,
            target=rt.settings.liaison_escalation,
            payload=TextPayload(text=escalation_text).model_dump(),
        )
