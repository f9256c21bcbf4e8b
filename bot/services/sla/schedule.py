"""The SLA's durable jobs: their kinds, what is scheduled when, and the keys that keep it once.

Everything here runs inside the transaction of its cause (attach, hand-over, breach,
resolution), so a job exists exactly when its cause was committed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Fold, JobKind, NoPayload, Payload
from bot.models import HomeView, Report


class Kind(StrEnum):
    """Reminder kinds of the SLA capability."""

    warning = "sla.warning"  # DM to the owner, one per lead time
    breach = "sla.breach"  # marks the ticket breached and fans out the two below
    breach_owner = "sla.breach_owner"
    breach_escalation = "sla.breach_escalation"  # one per escalation recipient
    undeliverable = "sla.undeliverable"  # a DM that could not be delivered, forwarded
    handover_notice = "sla.handover_notice"  # tells the new owner
    resolution_digest = "sla.resolution_digest"  # one per owner when an incident resolves
    home_refresh = "sla.home_refresh"


class WarningPayload(Payload):
    lead_seconds: int


class HandoverPayload(Payload):
    actor: str | None = Field(default=None, alias="from")
    previous_owner: str | None = None
    note: str | None = None


class UndeliverablePayload(Payload):
    """A message its addressee cannot get, forwarded with the reason."""

    user: str
    reason: str
    text: str
    source: str  # the kind of the job whose message it was


KINDS: dict[Kind, JobKind[Any]] = {
    Kind.warning: JobKind(Kind.warning, WarningPayload),
    Kind.breach: JobKind(Kind.breach, NoPayload),
    Kind.breach_owner: JobKind(Kind.breach_owner, NoPayload),
    Kind.breach_escalation: JobKind(Kind.breach_escalation, NoPayload),
    Kind.undeliverable: JobKind(Kind.undeliverable, UndeliverablePayload),
    Kind.handover_notice: JobKind(Kind.handover_notice, HandoverPayload),
    Kind.resolution_digest: JobKind(Kind.resolution_digest, NoPayload),
    # A burst of ticket changes folds into one publish; views.publish is harmless to repeat.
    Kind.home_refresh: JobKind(Kind.home_refresh, NoPayload, fold=Fold.first, repeat_safe=True),
}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S.%f")


def schedule_warnings(
    session: Session,
    report: Report,
    *,
    owner: str,
    now: datetime,
    leads: list[timedelta],
    catch_up: bool,
) -> int:
    """One DM per lead time still ahead of the deadline; returns how many were scheduled.

    ``catch_up`` (at attach): when some lead times are already behind us, the owner gets
    one warning now instead, so a ticket attached late still warns before it breaches.
    Keys carry the owner and the moment of the assignment, so a ticket handed back and
    forth gets fresh reminders while a repeated cause (a Slack retry) gets none twice.
    """
    due = report.first_response_due_at
    if due is None or due <= now or report.responded_at is not None:
        return 0
    ahead = [lead for lead in leads if due - lead > now]
    behind = [lead for lead in leads if due - lead <= now]
    planned = [(lead, due - lead) for lead in ahead]
    if catch_up and behind:
        planned.append((min(behind), now))
    since = _stamp(now)
    count = 0
    for lead, at in planned:
        seconds = int(lead.total_seconds())
        count += jobs.schedule(
            session,
            KINDS[Kind.warning],
            WarningPayload(lead_seconds=seconds),
            key=f"{report.id}:{owner}:{since}:{seconds}",
            due_at=at,
            now=now,
            incident_id=report.incident_id,
            report_id=report.id,
            target=owner,
        )
    return count


def schedule_breach(session: Session, report: Report, *, now: datetime) -> None:
    """One breach check per ticket, at its deadline, whoever owns it by then."""
    if report.first_response_due_at is None:
        return
    jobs.schedule(
        session,
        KINDS[Kind.breach],
        key=str(report.id),
        due_at=report.first_response_due_at,
        now=now,
        incident_id=report.incident_id,
        report_id=report.id,
    )


def stop_clock(session: Session, report_id: int, *, now: datetime, breach_too: bool) -> int:
    """Cancel the pending warnings (and the breach check) of a ticket."""
    kinds = [KINDS[Kind.warning], KINDS[Kind.breach]] if breach_too else [KINDS[Kind.warning]]
    return jobs.cancel(session, kinds, now=now, report_id=report_id)


def schedule_message(
    session: Session,
    kind: Kind,
    *,
    key: str,
    target: str,
    now: datetime,
    incident_id: int | None,
    report_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """A DM due now (notice, escalation, digest), retried on its own if Slack fails.

    ``payload`` is checked against the kind's payload model here, at the boundary.
    """
    declared = KINDS[kind]
    return jobs.schedule(
        session,
        declared,
        declared.payload.model_validate(payload or {}),
        key=key,
        due_at=now,
        now=now,
        incident_id=incident_id,
        report_id=report_id,
        target=target,
    )


# Asked with every report attached: built once, as a Core statement.
_OPENED_HOMES = select(HomeView.__table__.c.user_id).where(
    HomeView.__table__.c.user_id.in_(bindparam("users", expanding=True))
)


def refresh_home(session: Session, user_ids: list[str], *, now: datetime, delay: timedelta) -> None:
    """Republish these users' App Home after ``delay``, folding a burst into one publish.

    The kind folds: a change merges into the user's pending refresh, while one already
    running (which may have read before this change committed) gets a successor.
    """
    users = list(dict.fromkeys(u for u in user_ids if u))
    if not users:
        return
    # Only Homes published before (opened at least once) are kept current; one never
    # opened is built fresh on opening, so refreshing it would cost a job for nothing.
    opened = session.scalars(_OPENED_HOMES, {"users": users})
    for user_id in opened:
        jobs.schedule(
            session, KINDS[Kind.home_refresh], due_at=now + delay, now=now, target=user_id
        )
