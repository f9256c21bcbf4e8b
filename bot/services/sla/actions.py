"""What people do to a ticket: mark it responded, hand it over, mark customers told.

Each runs in one transaction that also cancels and reschedules the ticket's reminders,
so a reminder for an answered or handed-over ticket is never sent. A press from the
wrong person, a second press or a press on an answered ticket raises a typed error with
a sentence for that person and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report
from bot.rendering import slack_date
from bot.runtime import Runtime
from bot.services.followup import board as followup_board
from bot.services.sla import tickets
from bot.services.sla.delivery import is_escalation_contact
from bot.services.sla.schedule import (
    Kind,
    refresh_home,
    schedule_message,
    schedule_warnings,
    stop_clock,
)
from bot.services.sla.tickets import Ticket

NOTE_LIMIT = 500


@dataclass(frozen=True)
class HandedOver:
    ticket: Ticket
    previous_owner: str


@dataclass(frozen=True)
class CustomersTold:
    """``count`` is distinct customers (what the person told), ``tickets`` their tickets."""

    incident_id: int
    count: int
    tickets: int


def _lock(session: Session, report_id: int) -> tuple[Report, Incident]:
    report = session.scalars(
        select(Report).where(Report.id == report_id).with_for_update()
    ).one_or_none()
    if report is None:
        raise NotFound(f"Report #{report_id} does not exist any more.")
    return report, report.incident


def _answered_report(report: Report, responded_at: datetime) -> InvalidTransition:
    label = report.ticket_ref or f"report #{report.id}"
    return _answered(label, report.customer_name, responded_at)


def _answered(label: str, customer: str, responded_at: datetime) -> InvalidTransition:
    return InvalidTransition(
        f"Ticket {label} ({customer}) was already marked responded "
        f"({slack_date(responded_at)}). Nothing changed."
    )


def mark_responded(rt: Runtime, *, report_id: int, actor: str) -> Ticket:
    """Stop the first-response clock; only the ticket's owner may."""
    with rt.sessions.begin() as session:
        report, incident = _lock(session, report_id)
        if report.responded_at is not None:
            raise _answered_report(report, report.responded_at)
        if report.owner_user_id != actor:
            raise NotPermitted(
                f"This ticket ({report.customer_name}) is owned by <@{report.owner_user_id}>; "
                "only its owner can mark it responded. Nothing changed."
            )
        ticket = _respond(rt, session, report, incident, actor=actor, at=None)
    rt.wake()
    return ticket


def record_response(rt: Runtime, *, report_id: int, at: datetime, actor: str) -> Ticket | None:
    """Stop the first-response clock because the customer was answered elsewhere (a public
    reply in the help desk, at ``at``): the same effect as "Mark responded", without the
    owner check. None when the ticket was already answered (a redelivered reply)."""
    with rt.sessions.begin() as session:
        report, incident = _lock(session, report_id)
        if report.responded_at is not None:
            return None
        ticket = _respond(rt, session, report, incident, actor=actor, at=at)
    rt.wake()
    return ticket


def _respond(
    rt: Runtime,
    session: Session,
    report: Report,
    incident: Incident,
    *,
    actor: str,
    at: datetime | None,
) -> Ticket:
    now = rt.clock.now()
    # A reply's own time, never later than now (a clock ahead of ours).
    report.responded_at = min(at, now) if at is not None else now
    stop_clock(session, report.id, now=now, breach_too=True)
    rt.hooks.emit(
        session,
        LifecycleEvent(Lifecycle.report_responded, incident, now, actor=actor, report=report),
    )
    refresh_home(session, [report.owner_user_id], now=now, delay=rt.settings.sla_home_refresh_delay)
    return tickets.to_ticket(report, incident)


def _may_manage(rt: Runtime, ticket: Ticket, actor: str) -> bool:
    """The tier's escalation contact may reassign a ticket (its owner may be unreachable)."""
    return actor != ticket.owner and is_escalation_contact(rt, ticket.escalation_tier, actor)


def check_can_hand_over(rt: Runtime, *, report_id: int, actor: str) -> Ticket:
    """Raise the reason ``actor`` may not hand this ticket over (before the modal opens)."""
    ticket = tickets.get(rt, report_id)
    if ticket.responded_at is not None:
        raise _answered(ticket.label, ticket.customer_name, ticket.responded_at)
    if ticket.owner != actor and not _may_manage(rt, ticket, actor):
        raise _not_theirs(ticket.customer_name, ticket.owner)
    return ticket


def _not_theirs(customer: str, owner: str) -> NotPermitted:
    return NotPermitted(
        f"This ticket ({customer}) is owned by <@{owner}>; only its owner (or the SLA "
        "escalation contact) can hand it over. Nothing changed."
    )


def hand_over(
    rt: Runtime,
    *,
    report_id: int,
    actor: str,
    new_owner: str,
    note: str | None = None,
) -> HandedOver:
    """Make ``new_owner`` the owner: they are told, and the reminders follow them."""
    note = (note or "").strip()[:NOTE_LIMIT] or None
    is_manager = _may_manage(rt, tickets.get(rt, report_id), actor)
    with rt.sessions.begin() as session:
        report, incident = _lock(session, report_id)
        if report.responded_at is not None:
            raise _answered_report(report, report.responded_at)
        if report.owner_user_id != actor and not is_manager:
            raise _not_theirs(report.customer_name, report.owner_user_id)
        previous = report.owner_user_id
        if new_owner == previous:
            raise InvalidInput(f"<@{new_owner}> already owns this ticket.", field="new_owner")
        now = rt.clock.now()
        report.owner_user_id = new_owner
        stop_clock(session, report.id, now=now, breach_too=False)
        schedule_warnings(
            session,
            report,
            owner=new_owner,
            now=now,
            leads=rt.settings.sla_reminder_leads,
            catch_up=False,
        )
        schedule_message(
            session,
            Kind.handover_notice,
            key=f"{report.id}:{new_owner}:{now.isoformat()}",
            incident_id=report.incident_id,
            report_id=report.id,
            target=new_owner,
            now=now,
            payload={"from": actor, "previous_owner": previous, "note": note},
        )
        rt.hooks.emit(
            session,
            LifecycleEvent(Lifecycle.report_handed_over, incident, now, actor=actor, report=report),
        )
        refresh_home(
            session, [previous, new_owner], now=now, delay=rt.settings.sla_home_refresh_delay
        )
        handed = HandedOver(tickets.to_ticket(report, incident), previous_owner=previous)
    rt.wake()
    return handed


def mark_customers_told(rt: Runtime, *, incident_id: int, actor: str) -> CustomersTold:
    """Record that ``actor`` told their customers of this incident about the resolution."""
    with rt.sessions.begin() as session:
        if session.get(Incident, incident_id) is None:
            raise NotFound(f"Incident #{incident_id} does not exist any more.")
        now = rt.clock.now()
        result = session.execute(
            update(Report)
            .where(
                Report.incident_id == incident_id,
                Report.owner_user_id == actor,
                Report.customer_notified_at.is_(None),
                # Not the ones the help desk is telling (the DM lists them as told).
                Report.customer_notified_via.is_(None),
            )
            .values(customer_notified_at=now)
            .returning(Report.customer_key)
            .execution_options(synchronize_session=False)
        )
        customer_keys = list(result.scalars())
        followup_board.record_told(session, incident_id, customer_keys, by=actor, how="dm", now=now)
        if not customer_keys:
            raise InvalidTransition(
                f"You have no customers of incident #{incident_id} left to tell: they were "
                "already marked as told, or their tickets belong to someone else now."
            )
    return CustomersTold(incident_id, count=len(set(customer_keys)), tickets=len(customer_keys))
