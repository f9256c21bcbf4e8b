"""The newest reports of an incident, each with where it came from.

Numbers say how big an incident is; a few reports in the customers' own words say what it
is, and "via Zendesk" says the help desk is feeding it. One read of the (incident,
created_at) index, however many reports there are.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Report
from bot.services.helpdesk.model import SOURCE_LABELS, TicketSource
from bot.services.impact.model import ReportSample

SAMPLES = 5  # reports the full summary lists


def source_of(submission_key: str | None) -> str:
    """Where a report came from, by its source-neutral key (``zendesk:ticket:...``)."""
    prefix = (submission_key or "").split(":", 1)[0]
    if prefix in TicketSource.__members__:
        return SOURCE_LABELS[TicketSource(prefix)]
    return "Slack"  # the report modal and the message shortcut (``slack:view:...``)


def latest_reports(
    session: Session, incident_id: int, limit: int = SAMPLES
) -> tuple[ReportSample, ...]:
    rows = session.execute(
        select(
            Report.customer_name, Report.tier, Report.region, Report.submission_key,
            Report.ticket_ref, Report.ticket_url, Report.summary, Report.created_at,
        )
        .where(Report.incident_id == incident_id)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    ).all()  # fmt: skip
    return tuple(
        ReportSample(
            customer=row.customer_name,
            tier=row.tier,
            region=row.region,
            source=source_of(row.submission_key),
            ticket_ref=row.ticket_ref,
            ticket_url=row.ticket_url,
            summary=row.summary,
            created_at=row.created_at,
        )
        for row in rows
    )
