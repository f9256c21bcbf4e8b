"""The liaison's reminder while customers on the follow-up board are still untold.

Scheduled with the resolution, due ``FOLLOWUP_REMINDER_AFTER`` later; when it finds
customers untold it reminds (a DM to the liaison carrying the board, with its buttons) and
schedules the next one as far ahead again. It stops by
itself when everyone is told (or marked not needed) or the incident is reopened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, JobKind, Outcome, Payload
from bot.lifecycle import LifecycleEvent
from bot.models import Incident, LiaisonAssignment
from bot.runtime import Runtime
from bot.services.followup import board as followups
from bot.services.followup.present import board_message
from bot.slack.blocks import divider, fit_blocks, section


class UntoldPayload(Payload):
    round: int = 1


UNTOLD: JobKind[UntoldPayload] = JobKind("followup.untold", UntoldPayload)


def liaison_of(session: Session, incident_id: int) -> str | None:
    """Whoever last accepted the liaison role on the incident (they own the follow-ups)."""
    return session.scalars(
        select(LiaisonAssignment.user_id)
        .where(
            LiaisonAssignment.incident_id == incident_id,
            LiaisonAssignment.accepted_at.is_not(None),
        )
        .order_by(LiaisonAssignment.accepted_at.desc(), LiaisonAssignment.id.desc())
        .limit(1)
    ).first()


def schedule_on_resolution(session: Session, event: LifecycleEvent, *, rt: Runtime) -> None:
    incident = event.incident
    jobs.schedule(
        session,
        UNTOLD,
        UntoldPayload(round=1),
        key=_key(incident.id, event.now, 1),
        due_at=event.now + rt.settings.followup_reminder_after,
        now=event.now,
        incident_id=incident.id,
    )


def remind_untold(rt: Runtime, job: Job[UntoldPayload]) -> Outcome:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident = session.get(Incident, job.incident_id or 0)
        if incident is None or incident.is_open:
            return Outcome.obsolete
        board = followups.load_board(session, incident)
        untold = [line for line in board.lines if line.state == followups.TO_TELL]
        if not untold:
            return Outcome.obsolete
        liaison = liaison_of(session, incident.id)
        jobs.schedule(
            session,
            UNTOLD,
            UntoldPayload(round=job.payload.round + 1),
            key=_key(incident.id, incident.resolved_at, job.payload.round + 1),
            due_at=now + rt.settings.followup_reminder_after,
            now=now,
            incident_id=incident.id,
        )
    text = rt.renderer.render(
        "followup/untold_reminder.j2",
        board=board,
        untold=untold,
        liaison=liaison,
        since=now - board.resolved_at if board.resolved_at else None,
    )
    target = liaison or board.channel_id
    if target is None:
        return Outcome.obsolete
    # The board itself follows, so each customer can be marked told or not needed from the
    # reminder (its buttons answer through the message's response URL).
    lines = board_message(rt, incident.id).blocks
    rt.notifier.post(target, text, fit_blocks([section(text), divider(), *lines]))
    return Outcome.sent


def _key(incident_id: int, resolved_at: datetime | None, round_: int) -> str:
    """One reminder per round of one resolution (a reopened incident starts afresh)."""
    return f"{incident_id}:{resolved_at.isoformat() if resolved_at else '-'}:{round_}"
