"""The SLA's durable reminders: what is scheduled when, and the keys that keep it once.

Everything here runs inside the transaction of its cause (attach, hand-over, breach,
resolution), so a reminder exists exactly when its cause was committed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot import reminders
from bot.models import Report


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
        count += reminders.schedule(
            session,
            kind=Kind.warning,
            dedupe_key=f"{Kind.warning}:{report.id}:{owner}:{since}:{seconds}",
            due_at=at,
            now=now,
            incident_id=report.incident_id,
            report_id=report.id,
            target=owner,
            payload={"lead_seconds": seconds},
        )
    return count


def schedule_breach(session: Session, report: Report, *, now: datetime) -> None:
    """One breach check per ticket, at its deadline, whoever owns it by then."""
    if report.first_response_due_at is None:
        return
    reminders.schedule(
        session,
        kind=Kind.breach,
        dedupe_key=f"{Kind.breach}:{report.id}",
        due_at=report.first_response_due_at,
        now=now,
        incident_id=report.incident_id,
        report_id=report.id,
    )


def stop_clock(session: Session, report_id: int, *, now: datetime, breach_too: bool) -> int:
    """Cancel the pending warnings (and the breach check) of a ticket."""
    kinds = [Kind.warning, Kind.breach] if breach_too else [Kind.warning]
    return reminders.cancel(session, now=now, kinds=kinds, report_id=report_id)


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
    """A DM due now (notice, escalation, digest), retried on its own if Slack fails."""
    return reminders.schedule(
        session,
        kind=kind,
        dedupe_key=f"{kind}:{key}",
        due_at=now,
        now=now,
        incident_id=incident_id,
        report_id=report_id,
        target=target,
        payload=payload or {},
    )


def refresh_home(session: Session, user_ids: list[str], *, now: datetime, delay: timedelta) -> None:
    """Republish these users' App Home after ``delay``, folding a burst into one publish.

    The key is unique per change, so a refresh already sent never swallows a later one;
    the handler cancels the user's other pending refreshes (whose causes are committed,
    so the view it then builds includes them) before it publishes.
    """
    for user_id in dict.fromkeys(u for u in user_ids if u):
        reminders.schedule(
            session,
            kind=Kind.home_refresh,
            dedupe_key=f"{Kind.home_refresh}:{user_id}:{uuid.uuid4().hex}",
            due_at=now + delay,
            now=now,
            target=user_id,
        )
