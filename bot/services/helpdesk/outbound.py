"""Updates and the resolution, sent to every linked help-desk ticket.

A posted status update becomes an internal note on each linked ticket (a public reply when
the form's "also send to reporters" was ticked); the resolution becomes a public reply with
the customer's name, optionally with a status (solved, pending), carrying the words of the
update that resolved it (so that update is not also sent on its own). Both are written as
durable jobs in the transaction of their cause, one per help desk and chunk of tickets, so
a chunk refused with 429 is retried alone after Retry-After and the others are not sent
twice; a chunk reclaimed after a crash first looks for its comments on the tickets.

Customers whose tickets get the resolution reply are recorded at resolution as being told
through the help desk (``customer_notified_via``), except VIPs and customers whose SLA was
breached: they still need a personal touch, and the owner's follow-up DM says which is
which. They count as told (on the follow-up board too) once the reply is delivered
(``followups.resolution_delivered``). A customer owed an SLA credit for the incident
(``SLA_CREDITS``) finds the credit's wording in their reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, JobKind, Outcome, Payload, RetryPolicy
from bot.lifecycle import LifecycleEvent
from bot.models import Incident, Report, SlaCredit, StatusUpdate, TicketLink
from bot.runtime import Runtime
from bot.services import incident_titles
from bot.services.helpdesk.followups import resolution_delivered
from bot.services.helpdesk.model import Comment, HelpdeskClient, TicketSource

CHUNK = 100  # tickets per job: one bulk call in Zendesk


class Sending(StrEnum):
    update = "update"
    resolution = "resolution"


class SendComments(Payload):
    source: TicketSource
    sending: Sending
    link_ids: list[int]
    status_update_id: int | None = None


SEND_COMMENTS: JobKind[SendComments] = JobKind(
    "helpdesk.send_comments",
    SendComments,
    # Short backoff: a rate limit says when to come back (Retry-After), and that wins.
    retry=RetryPolicy(max_attempts=12, base=timedelta(seconds=2), cap=timedelta(minutes=10)),
)


def install(rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient]) -> None:
    rt.dispatcher.declare(SEND_COMMENTS, partial(send_comments, rt, clients))


def on_update_posted(session: Session, event: LifecycleEvent) -> None:
    """Subscriber of ``update_posted``: a job per help desk and chunk of linked tickets."""
    if event.status_update_id is None:
        return
    links = _linked(session, event.incident.id)
    update = session.get(StatusUpdate, event.status_update_id)
    if update is not None and update.send_to_reporters and update.status == "resolved":
        # The resolution reply that follows carries these words to every ticket not told
        # of a resolution yet; a public copy before it would say the same thing twice.
        links = [link for link in links if not _gets_resolution_reply(link)]
    _schedule(
        session, event, Sending.update, links,
        key=f"update:{event.status_update_id}", status_update_id=event.status_update_id,
    )  # fmt: skip


def on_resolved(session: Session, event: LifecycleEvent) -> None:
    """Subscriber of ``resolved``: the resolution reply to every linked ticket not yet told."""
    links = [link for link in _linked(session, event.incident.id) if _gets_resolution_reply(link)]
    for link in links:
        link.resolution_sent_at = event.now
    report_ids = [link.report_id for link in links if link.report_id is not None]
    reports = session.scalars(select(Report).where(Report.id.in_(report_ids))).all()
    by_id = {report.id: report for report in reports}
    for link in links:
        report = by_id.get(link.report_id or 0)
        if report is None or report.customer_notified_at is not None:
            continue
        if not report.vip and report.breached_at is None:
            # Being told by the help desk; told once the reply is delivered.
            report.customer_notified_via = link.source
    _schedule(session, event, Sending.resolution, links, key=f"resolved:{event.now.isoformat()}")


def _gets_resolution_reply(link: TicketLink) -> bool:
    """Not told of a resolution yet; the generic webhook only receives, so nothing goes
    back to its tickets."""
    return link.resolution_sent_at is None and link.source != TicketSource.generic


def _linked(session: Session, incident_id: int) -> list[TicketLink]:
    return list(
        session.scalars(
            select(TicketLink)
            .where(TicketLink.incident_id == incident_id, TicketLink.status == "linked",
                   TicketLink.report_id.is_not(None))
            .order_by(TicketLink.id)
        )
    )  # fmt: skip


def _schedule(
    session: Session,
    event: LifecycleEvent,
    sending: Sending,
    links: list[TicketLink],
    *,
    key: str,
    status_update_id: int | None = None,
) -> None:
    sources = sorted({link.source for link in links if link.source != TicketSource.generic})
    for source in sources:
        ids = [link.id for link in links if link.source == source]
        for index in range(0, len(ids), CHUNK):
            jobs.schedule(
                session,
                SEND_COMMENTS,
                SendComments(
                    source=TicketSource(source), sending=sending,
                    link_ids=ids[index : index + CHUNK], status_update_id=status_update_id,
                ),
                key=f"{event.incident.id}:{key}:{source}:{index // CHUNK}",
                due_at=event.now, now=event.now, incident_id=event.incident.id,
            )  # fmt: skip


def send_comments(
    rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient], job: Job[SendComments]
) -> Outcome:
    payload = job.payload
    client = clients.get(payload.source)
    if client is None:
        return Outcome.obsolete
    comments = build_comments(rt, payload, job.incident_id or 0)
    built = comments
    if job.reclaimed and job.first_claimed_at is not None:
        since: datetime = job.first_claimed_at
        comments = [c for c in comments if not client.comment_present(c, since)]
    refused: frozenset[str] = frozenset()
    if comments:
        status = rt.settings.helpdesk_resolved_status or None
        resolution = payload.sending is Sending.resolution
        refused = client.add_comments(comments, status=status if resolution else None)
    if payload.sending is Sending.resolution and built:
        resolution_delivered(
            rt, incident_id=job.incident_id or 0, link_ids=payload.link_ids,
            ticket_ids=[c.ticket_id for c in built if c.ticket_id not in refused],
        )  # fmt: skip
    return Outcome.sent if comments else Outcome.obsolete


def build_comments(rt: Runtime, payload: SendComments, incident_id: int) -> list[Comment]:
    """The comment each ticket gets, rendered from the stored update or the resolution."""
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        rows = session.execute(
            select(TicketLink, Report)
            .join(Report, Report.id == TicketLink.report_id)
            .where(TicketLink.id.in_(payload.link_ids))
            .order_by(TicketLink.id)
        ).all()
        if incident is None or not rows:
            return []
        if payload.sending is Sending.update:
            update = session.get(StatusUpdate, payload.status_update_id or 0)
            if update is None:
                return []
            return [
                Comment(
                    ticket_id=link.external_id,
                    body=update.customer_message,
                    public=update.send_to_reporters,
                )
                for link, _ in rows
            ]
        title = incident_titles.customer_title(rt.renderer, incident)
        owed = select(SlaCredit).where(SlaCredit.incident_id == incident_id)
        credits = {row.account_id: row for row in session.scalars(owed)}
        context = {
            "public_title": title,
            "customer_message": incident_titles.customer_resolution(session, incident_id),
        }
        comments = []
        for link, report in rows:
            credit = credits.get(report.account_id or "")
            note = (
                rt.renderer.render(
                    "followup/credit_note.txt.j2", tier=credit.tier, percent=credit.percent
                )
                if credit is not None
                else None
            )
            body = rt.renderer.render(
                "helpdesk/resolution_reply.txt.j2",
                customer=report.customer_name,
                incident=context,
                credit=note,
            )
            comments.append(Comment(ticket_id=link.external_id, body=body, public=True))
        return comments
