"""``/liaison tickets``: the help-desk tickets linked to an incident, and counts per source
for summaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Report, TicketLink
from bot.runtime import Runtime
from bot.services.helpdesk.model import SOURCE_LABELS, TicketSource


@dataclass(frozen=True)
class LinkedTicket:
    source: str  # "Zendesk", "Salesforce", "Help desk"
    ref: str
    url: str | None
    customer: str
    owner: str | None
    ticket_status: str | None  # the help desk's own status
    linked: bool  # False: unlinked in the help desk (kept as history)
    unowned: bool  # names the incident, but nobody in Slack owns it: not attached yet
    responded_at: datetime | None
    resolution_sent: bool


def linked_tickets(rt: Runtime, incident_id: int) -> list[LinkedTicket]:
    with rt.sessions() as session:
        rows = session.execute(
            select(TicketLink, Report)
            .outerjoin(Report, Report.id == TicketLink.report_id)
            .where(TicketLink.incident_id == incident_id)
            .order_by(TicketLink.status, TicketLink.source, TicketLink.id)
        ).all()
        return [
            LinkedTicket(
                source=SOURCE_LABELS.get(TicketSource(link.source), link.source),
                ref=link.external_id,
                url=link.ticket_url,
                customer=report.customer_name if report is not None else "(not attached)",
                owner=report.owner_user_id if report is not None else None,
                ticket_status=link.ticket_status,
                linked=link.status in ("linked", "unowned"),
                unowned=link.status == "unowned",
                responded_at=report.responded_at if report is not None else None,
                resolution_sent=link.resolution_sent_at is not None,
            )
            for link, report in rows
        ]


def counts_by_source(rt: Runtime, incident_id: int) -> dict[str, int]:
    """Linked tickets per help desk ("Zendesk": 12), for ``/liaison status``."""
    with rt.sessions() as session:
        return counts_for_incidents(session, [incident_id]).get(incident_id, {})


def counts_for_incidents(
    session: Session, incident_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Linked tickets per incident and help desk, in one query (the App Home's list)."""
    if not incident_ids:
        return {}
    rows = session.execute(
        select(TicketLink.incident_id, TicketLink.source, func.count(TicketLink.id))
        .where(TicketLink.incident_id.in_(list(incident_ids)), TicketLink.status == "linked")
        .group_by(TicketLink.incident_id, TicketLink.source)
        .order_by(TicketLink.incident_id, TicketLink.source)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for incident_id, source, count in rows:
        label = SOURCE_LABELS.get(TicketSource(source), source)
        counts.setdefault(int(incident_id), {})[label] = int(count)
    return {key: dict(sorted(value.items())) for key, value in counts.items()}
