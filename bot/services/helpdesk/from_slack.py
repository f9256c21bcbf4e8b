"""A report filed in Slack that names a help-desk ticket is linked to it, both ways.

When the ticket field of the report modal holds a ticket of a configured help desk (its
URL, or a bare Zendesk id or Salesforce case id), a job reads the ticket after the report
is stored, fills what the modal left empty (tier, region, version, platform), records the
link (so replies, updates and the resolution flow through it like any help-desk ticket),
and gives the ticket the incident's tag and an internal note with the channel's link.
The modal never waits on the help desk: Slack's 3-second answer comes first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.config import Settings
from bot.jobs import Job, JobKind, Outcome, Payload, RetryPolicy
from bot.lifecycle import LifecycleEvent
from bot.models import Report, TicketLink
from bot.runtime import Runtime
from bot.services.helpdesk import matching
from bot.services.helpdesk.model import Comment, HelpdeskClient, TicketSource
from bot.services.sla.actions import record_response

_ZENDESK_PATH = re.compile(r"/(?:agent/)?tickets/(\d{1,20})(?:[/?#].*)?$")
_SALESFORCE_PATH = re.compile(r"/Case/(500[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)(?:[/?#].*)?$")
_SALESFORCE_ID = re.compile(r"500[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?")


class LinkFromSlack(Payload):
    source: TicketSource
    ticket_id: str


LINK_FROM_SLACK: JobKind[LinkFromSlack] = JobKind(
    "helpdesk.link_from_slack", LinkFromSlack, retry=RetryPolicy(max_attempts=8)
)


def ticket_reference(settings: Settings, ref: str | None) -> tuple[TicketSource, str] | None:
    """The help desk and ticket id a typed reference names, if a configured one."""
    value = (ref or "").strip().lstrip("#")
    if not value:
        return None
    # A case id (500 + 12 or 15 characters) before a bare Zendesk number, whose ids are
    # far shorter.
    if settings.salesforce_enabled and _SALESFORCE_ID.fullmatch(value):
        return TicketSource.salesforce, value
    if settings.zendesk_enabled:
        base = settings.zendesk_url.rstrip("/").lower()
        if value.isdigit() and len(value) <= 20:
            return TicketSource.zendesk, value
        if value.lower().startswith(base):
            found = _ZENDESK_PATH.search(value[len(base) :])
            if found:
                return TicketSource.zendesk, found.group(1)
    if settings.salesforce_enabled:
        host = settings.salesforce_url.split("//")[-1].split(".")[0].lower()
        if host and host in value.lower():
            found = _SALESFORCE_PATH.search(value)
            if found:
                return TicketSource.salesforce, found.group(1)
    return None


def on_report_attached(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """Subscriber of ``report_attached``: reports from a help desk are linked already."""
    report = event.report
    if report is None or any(
        (report.submission_key or "").startswith(f"{source.value}:") for source in TicketSource
    ):
        return
    found = ticket_reference(rt.settings, report.ticket_ref)
    if found is None:
        return
    source, ticket_id = found
    jobs.schedule(
        session, LINK_FROM_SLACK, LinkFromSlack(source=source, ticket_id=ticket_id),
        key=str(report.id), due_at=event.now, now=event.now,
        incident_id=event.incident.id, report_id=report.id,
    )  # fmt: skip


def install(rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient]) -> None:
    rt.dispatcher.declare(LINK_FROM_SLACK, partial(link_from_slack, rt, clients))


def link_from_slack(
    rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient], job: Job[LinkFromSlack]
) -> Outcome:
    source, ticket_id = job.payload.source, job.payload.ticket_id
    client = clients.get(source)
    if client is None or job.report_id is None:
        return Outcome.obsolete
    snapshot = client.read_ticket(ticket_id)
    values = matching.report_values(snapshot, rt.settings)
    now = rt.clock.now()
    try:
        with rt.sessions.begin() as session:
            report = session.get(Report, job.report_id)
            taken = session.scalars(
                select(TicketLink.id).where(
                    TicketLink.source == source.value, TicketLink.external_id == ticket_id
                )
            ).first()
            if report is None or taken is not None:
                return Outcome.obsolete
            if not report.account_id:
                report.tier = report.tier or _str(values["tier"])
                report.region = report.region or _str(values["region"])
            report.product_version = report.product_version or _str(values["product_version"])
            report.platform = report.platform or _str(values["platform"])
            session.add(
                TicketLink(
                    source=source.value,
                    external_id=ticket_id,
                    report_id=report.id,
                    incident_id=report.incident_id,
                    status="linked",
                    ticket_status=snapshot.status.lower()[:32],
                    ticket_url=snapshot.url,
                    ticket_updated_at=snapshot.updated_at,
                    created_at=now,
                    changed_at=now,
                )
            )
            incident = report.incident
            note = rt.renderer.render(
                "helpdesk/linked_note.txt.j2",
                incident={"id": incident.id, "title": incident.title},
                channel_url=f"https://slack.com/app_redirect?channel={incident.channel_id}"
                if incident.channel_id
                else None,
            )
            tag = rt.settings.helpdesk_incident_tag.replace("{number}", str(incident.id))
            incident_number = incident.id
    except IntegrityError:  # the ticket was linked a moment ago by its own webhook
        return Outcome.obsolete
    comment = Comment(ticket_id=ticket_id, body=note, public=False)
    if not (
        job.reclaimed
        and job.first_claimed_at
        and client.comment_present(comment, job.first_claimed_at)
    ):
        client.link(ticket_id, incident_number=incident_number, tag=tag, note=note)
    answered_at = snapshot.first_public_reply_at or (
        snapshot.updated_at if snapshot.answered else None
    )
    if answered_at is not None:
        record_response(
            rt, report_id=job.report_id, at=answered_at, actor=f"{source.value}:{ticket_id}"[:32]
        )
    return Outcome.sent


def _str(value: object) -> str | None:
    return str(value) if value else None
