"""Tickets nobody in Slack owns, for the incident's Customer Liaison.

A ticket's assignee is matched to a Slack user by email; when nobody matches, the report
goes to ``HELPDESK_FALLBACK_OWNER`` (or, without one, the ticket waits unattached). Those
tickets are the liaison's to sort out, so their checklist lists them, and when new ones
arrive during the incident the liaison gets the list again: one DM for a burst (the notice
folds into one job, sent a minute after the first of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Fold, Job, JobKind, NoPayload, Outcome
from bot.models import Incident, Report, TicketLink
from bot.runtime import Runtime
from bot.services.helpdesk.model import SOURCE_LABELS, TicketSource
from bot.services.liaison.records import current_liaison
from bot.slack.blocks import bullet_list, section

SHOWN = 10  # tickets named one by one; the rest are counted
NOTICE_DELAY = timedelta(minutes=1)  # a burst of unmatched tickets is one DM

UNOWNED_NOTICE: JobKind[NoPayload] = JobKind(
    "helpdesk.unowned_notice", NoPayload, fold=Fold.first, repeat_safe=False
)


@dataclass(frozen=True)
class UnownedTicket:
    source: str  # "Zendesk"
    ref: str
    url: str | None
    customer: str | None  # None: not attached (no owner at all)
    owner: str | None  # the fallback owner holding it
    assignee: str  # the help desk's assignee (email), "" when unassigned


def install(rt: Runtime) -> None:
    rt.dispatcher.declare(UNOWNED_NOTICE, partial(send_notice, rt))


def schedule_notice(session: Session, incident_id: int, *, now: datetime) -> None:
    """A ticket of this incident just fell to the fallback owner (or to nobody)."""
    jobs.fold(session, UNOWNED_NOTICE, due_at=now + NOTICE_DELAY, now=now, incident_id=incident_id)


def unowned_tickets(session: Session, incident_id: int) -> tuple[list[UnownedTicket], int]:
    """The incident's linked tickets whose assignee is not in Slack, and how many."""
    unowned = (TicketLink.incident_id == incident_id) & or_(
        TicketLink.status == "unowned",
        (TicketLink.status == "linked") & TicketLink.unmatched_assignee.is_not(None),
    )
    total = int(session.scalar(select(func.count(TicketLink.id)).where(unowned)) or 0)
    rows = session.execute(
        select(TicketLink, Report.customer_name, Report.owner_user_id)
        .outerjoin(Report, Report.id == TicketLink.report_id)
        .where(unowned)
        .order_by(TicketLink.id)
        .limit(SHOWN)
    ).all()
    return [
        UnownedTicket(
            source=SOURCE_LABELS.get(TicketSource(link.source), link.source),
            ref=link.external_id,
            url=link.ticket_url,
            customer=customer if link.status == "linked" else None,
            owner=owner if link.status == "linked" else None,
            assignee=link.unmatched_assignee or "",
        )
        for link, customer, owner in rows
    ], total


def unowned_text(rt: Runtime, session: Session, incident_id: int) -> str:
    """The checklist's section about them; empty when every ticket has its owner."""
    tickets, total = unowned_tickets(session, incident_id)
    if not tickets:
        return ""
    render = rt.renderer.render
    intro = render("helpdesk/unowned_intro.j2", count=total, incident={"id": incident_id})
    lines = [render("helpdesk/unowned_line.j2", ticket=ticket) for ticket in tickets]
    more = render("impact/more.j2", count=total - len(tickets)) if total > len(tickets) else ""
    text = f"{intro}\n{bullet_list(lines, limit=2500)}"
    return f"{text}\n{more}" if more else text


def send_notice(rt: Runtime, job: Job[NoPayload]) -> Outcome:
    """DM the liaison the incident's tickets without an owner in Slack, as they stand now."""
    with rt.sessions() as session:
        incident = session.get(Incident, job.incident_id or 0)
        liaison = current_liaison(session, job.incident_id or 0) if incident else None
        if incident is None or liaison is None or not incident.is_open:
            return Outcome.obsolete
        text = unowned_text(rt, session, incident.id)
        user = liaison.user_id
    if not text:
        return Outcome.obsolete  # taken care of in the meantime
    rt.notifier.dm(user, text, [section(text)])
    return Outcome.sent
