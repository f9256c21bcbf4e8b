"""The App Home tab: each person's ticket queue, their liaison roles and the open incidents.

Published when the person opens the tab and, through a ``sla.home_refresh`` job, whenever
their tickets change (attached, answered, handed over, breached) or their liaison roles do
(asked, accepted, handed off, moved on, incident resolved). A burst of changes for one
person folds into one publish: the kind is declared ``Fold.first``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, null, select
from sqlalchemy.orm import Session

from bot.jobs import Job, NoPayload, Outcome
from bot.jobs.kinds import Handler
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, LiaisonAssignment, Report
from bot.runtime import Runtime
from bot.services.followup.home import customers_to_tell
from bot.services.liaison import current_liaison
from bot.services.liaison.records import ACTIVE
from bot.services.metrics.home import home_metrics
from bot.services.sla import tickets
from bot.services.sla.schedule import refresh_home
from bot.slack.home_blocks import TICKETS_SHOWN, HomeSections, home_view

INCIDENTS_SHOWN = 30


@dataclass(frozen=True)
class IncidentLine:
    id: int
    title: str
    severity: str
    channel_id: str | None
    opened_at: datetime
    report_count: int
    customer_count: int
    liaison_status: str | None = None


def _incident_lines(
    session: Session, *, liaison: str | None = None, limit: int = INCIDENTS_SHOWN
) -> tuple[list[IncidentLine], int]:
    """Open incidents (newest first; only the user's liaison roles if ``liaison``), with
    report counts computed for the shown incidents only."""
    role_status = LiaisonAssignment.status if liaison is not None else null()
    statement = select(Incident, role_status).where(Incident.status == "open")
    total_statement = select(func.count(Incident.id)).where(Incident.status == "open")
    if liaison is not None:
        role = (
            LiaisonAssignment.incident_id == Incident.id,
            LiaisonAssignment.user_id == liaison,
            LiaisonAssignment.status.in_(ACTIVE),
        )
        statement = statement.join(LiaisonAssignment, and_(*role))
        total_statement = total_statement.join(LiaisonAssignment, and_(*role))
    shown = session.execute(
        statement.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    ).all()
    counts: dict[int, tuple[int, int]] = {}
    if shown:
        counted = select(
            Report.incident_id,
            func.count(Report.id),
            func.count(func.distinct(Report.customer_key)),
        ).where(Report.incident_id.in_([incident.id for incident, _ in shown]))
        for incident_id, reports, customers in session.execute(
            counted.group_by(Report.incident_id)
        ):
            counts[incident_id] = (int(reports), int(customers))
    lines = [
        IncidentLine(
            id=incident.id,
            title=incident.title,
            severity=incident.severity,
            channel_id=incident.channel_id,
            opened_at=incident.opened_at,
            report_count=counts.get(incident.id, (0, 0))[0],
            customer_count=counts.get(incident.id, (0, 0))[1],
            liaison_status=status,
        )
        for incident, status in shown
    ]
    return lines, int(session.scalar(total_statement) or 0)


def build_home(rt: Runtime, user_id: str, *, notice: str | None = None) -> dict[str, object]:
    """The Home view for ``user_id``, read in one session."""
    now = rt.clock.now()
    risk = tickets.at_risk_within(rt)
    render = rt.renderer.render
    with rt.sessions() as session:
        queue = tickets.awaiting_response(session, owner=user_id, limit=TICKETS_SHOWN)
        liaison, liaison_total = _incident_lines(session, liaison=user_id)
        incidents, incidents_total = _incident_lines(session)
    rows = [(tickets.ticket_line(rt, t, show_owner=False), t) for t in queue.tickets]
    breached = sum(1 for t in queue.tickets if t.state(now, risk) == tickets.SlaState.breached)
    hidden = queue.total - len(rows)
    sections = HomeSections(
        updated=render("home/updated.j2", now=now),
        notice=notice,
        tickets_intro=render("home/tickets_intro.j2", total=queue.total, breached=breached),
        tickets=rows,
        tickets_more=render("home/more.j2", count=hidden, what="ticket") if hidden > 0 else None,
        liaison_intro=render("home/liaison_intro.j2", total=liaison_total),
        liaison_lines=[render("home/incident_line.j2", incident=i) for i in liaison],
        incidents_intro=render("home/incidents_intro.j2", total=incidents_total),
        incident_lines=[render("home/incident_line.j2", incident=i) for i in incidents],
        metrics=home_metrics(rt, user_id),
        to_tell=customers_to_tell(rt, user_id),
    )
    return home_view(sections)


def refresh_liaison_homes(session: Session, event: LifecycleEvent, *, delay: timedelta) -> None:
    """Each Home lists the open incidents where that person is liaison: keep it current.

    A role change names its people; a resolution drops the incident from its liaison's
    list (the role itself stays on record for the follow-up).
    """
    users = list(event.users)
    if event.kind is Lifecycle.resolved:
        liaison = current_liaison(session, event.incident.id)
        users = [liaison.user_id] if liaison is not None else []
    refresh_home(session, users, now=event.now, delay=delay)


def publish_home(rt: Runtime, user_id: str, *, notice: str | None = None) -> None:
    rt.notifier.publish_home(user_id, build_home(rt, user_id, notice=notice))


def refresh_home_handler(rt: Runtime) -> Handler:
    """The ``sla.home_refresh`` handler: publish the user's Home as it stands now (the
    changes that folded into this job are committed, so the view includes them)."""

    def handle(reminder: Job[NoPayload]) -> Outcome:
        if not reminder.target:
            return Outcome.obsolete
        publish_home(rt, reminder.target)
        return Outcome.sent

    return handle
