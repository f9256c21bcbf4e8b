"""Tickets as people see them: one customer report with its owner and SLA clock.

Read-only queries behind ``/liaison sla``, the App Home queue and every SLA message, so
all of them order and describe tickets the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.models import Incident, Report
from bot.runtime import Runtime


class SlaState(StrEnum):
    breached = "breached"
    at_risk = "at_risk"
    on_track = "on_track"
    no_sla = "no_sla"
    responded = "responded"


@dataclass(frozen=True)
class Ticket:
    """A report seen as a ticket; ``due`` is the first-response deadline (None: no SLA)."""

    id: int
    incident_id: int
    incident_title: str
    incident_channel_id: str | None
    incident_open: bool
    customer_name: str
    ticket_ref: str | None
    ticket_url: str | None
    tier: str | None
    policy: str | None
    vip: bool
    owner: str
    due: datetime | None
    responded_at: datetime | None
    breached_at: datetime | None
    customer_notified_at: datetime | None

    def time_left(self, now: datetime) -> timedelta | None:
        return None if self.due is None else self.due - now

    def state(self, now: datetime, at_risk_within: timedelta) -> SlaState:
        if self.responded_at is not None:
            return SlaState.responded
        if self.due is None:
            return SlaState.no_sla
        if self.breached_at is not None or self.due <= now:
            return SlaState.breached
        if self.due - now <= at_risk_within:
            return SlaState.at_risk
        return SlaState.on_track

    @property
    def escalation_tier(self) -> str | None:
        """The tier whose escalation contact hears about this ticket (its policy's tier)."""
        return self.policy or self.tier

    @property
    def label(self) -> str:
        """The ticket's reference, or ``report #id`` when the agent gave none."""
        return self.ticket_ref or f"report #{self.id}"


@dataclass(frozen=True)
class TicketList:
    """Up to ``limit`` tickets in queue order, and how many matched in all."""

    tickets: list[Ticket]
    total: int


def _columns() -> Select[tuple[Report, Incident]]:
    return select(Report, Incident).join(Incident, Report.incident_id == Incident.id)


def queue_order() -> tuple[object, ...]:
    """Breached first, then least time left, tickets without an SLA last, oldest first."""
    return (
        case((Report.breached_at.is_not(None), 0), else_=1),
        case((Report.first_response_due_at.is_(None), 1), else_=0),
        Report.first_response_due_at,
        Report.id,
    )


def to_ticket(report: Report, incident: Incident) -> Ticket:
    return Ticket(
        id=report.id,
        incident_id=incident.id,
        incident_title=incident.title,
        incident_channel_id=incident.channel_id,
        incident_open=incident.is_open,
        customer_name=report.customer_name,
        ticket_ref=report.ticket_ref,
        ticket_url=report.ticket_url,
        tier=report.tier,
        policy=report.sla_policy,
        vip=report.vip,
        owner=report.owner_user_id,
        due=report.first_response_due_at,
        responded_at=report.responded_at,
        breached_at=report.breached_at,
        customer_notified_at=report.customer_notified_at,
    )


def load(session: Session, report_id: int) -> Ticket:
    row = session.execute(_columns().where(Report.id == report_id)).one_or_none()
    if row is None:
        raise NotFound(f"Report #{report_id} does not exist any more.")
    return to_ticket(*row)


def awaiting_response(
    session: Session, *, owner: str | None = None, incident_id: int | None = None, limit: int = 200
) -> TicketList:
    """Tickets nobody has answered yet, for one owner and/or one incident, in queue order."""
    conditions = [Report.responded_at.is_(None)]
    if owner is not None:
        conditions.append(Report.owner_user_id == owner)
    if incident_id is not None:
        conditions.append(Report.incident_id == incident_id)
    total = session.scalar(select(func.count(Report.id)).where(*conditions)) or 0
    rows = session.execute(_columns().where(*conditions).order_by(*queue_order()).limit(limit))
    return TicketList([to_ticket(report, incident) for report, incident in rows], int(total))


@dataclass(frozen=True)
class Queue:
    """A queue as ``/liaison sla`` shows it: tickets in order plus counts over all of them."""

    tickets: list[Ticket]
    total: int
    breached: int
    at_risk: int


def get(rt: Runtime, report_id: int) -> Ticket:
    with rt.sessions() as session:
        return load(session, report_id)


def queue(
    rt: Runtime,
    *,
    at_risk_within: timedelta,
    owner: str | None = None,
    incident_id: int | None = None,
    limit: int = 100,
) -> Queue:
    """Unanswered tickets of one owner or one incident, least time left first."""
    now = rt.clock.now()
    with rt.sessions() as session:
        listed = awaiting_response(session, owner=owner, incident_id=incident_id, limit=limit)
        conditions = [Report.responded_at.is_(None)]
        if owner is not None:
            conditions.append(Report.owner_user_id == owner)
        if incident_id is not None:
            conditions.append(Report.incident_id == incident_id)
        due = Report.first_response_due_at
        breached, at_risk = session.execute(
            select(
                func.count(case((or_(Report.breached_at.is_not(None), due <= now), 1))),
                func.count(
                    case(
                        (
                            and_(
                                Report.breached_at.is_(None), due > now, due <= now + at_risk_within
                            ),
                            1,
                        )
                    )
                ),
            ).where(*conditions)
        ).one()
    return Queue(listed.tickets, listed.total, int(breached), int(at_risk))


def at_risk_within(rt: Runtime) -> timedelta:
    """A ticket is at risk once its first warning is due (the longest lead time)."""
    leads = rt.settings.sla_reminder_leads
    return max(leads) if leads else timedelta(minutes=30)


def ticket_line(rt: Runtime, ticket: Ticket, *, show_owner: bool) -> str:
    """One line per ticket (state, customer, ticket, incident, deadline) for lists."""
    now = rt.clock.now()
    return rt.renderer.render(
        "sla/ticket_line.j2",
        ticket=ticket,
        state=ticket.state(now, at_risk_within(rt)).value,
        time_left=ticket.time_left(now),
        late=(now - ticket.due) if ticket.due else None,
        show_owner=show_owner,
    )
