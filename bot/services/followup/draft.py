"""The drafted preliminary incident report: what Liaison knows, written as Markdown.

The liaison edits and delivers it; ``/liaison prelim <link>`` then records it delivered
as before. Every sentence comes from templates/followup/prelim_report.md.j2 (plain text:
nothing is mrkdwn-escaped and dates are written out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.models import Incident, LiaisonAssignment, Report, SeverityChange, StatusUpdate
from bot.runtime import Runtime
from bot.services.followup import board as followups
from bot.services.followup.credits import CreditLine, credits_for, visible_window
from bot.services.metrics.cadence_facts import Deadlines, deadlines

SEGMENTS_SHOWN = 3


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # opened | liaison | severity | update | resolved | reopened
    who: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Segment:
    label: str
    customers: int


@dataclass(frozen=True)
class Breach:
    customer_name: str
    ticket: str | None
    tier: str | None
    breached_at: datetime


@dataclass(frozen=True)
class DraftFacts:
    incident_id: int
    title: str
    severity: str
    opened_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None
    visible_start: datetime | None
    timeline: list[TimelineEntry]
    reports: int
    customers: int
    regions: list[Segment]
    tiers: list[Segment]
    vips: list[str]
    cadence: Deadlines
    breaches: list[Breach]
    to_tell: int
    told: int
    not_needed: int
    credits: list[CreditLine] = field(default_factory=list)


def gather(session: Session, incident: Incident, now: datetime) -> DraftFacts:
    timeline = [TimelineEntry(incident.opened_at, "opened", incident.opened_by)]
    for user, accepted in session.execute(
        select(LiaisonAssignment.user_id, LiaisonAssignment.accepted_at).where(
            LiaisonAssignment.incident_id == incident.id,
            LiaisonAssignment.accepted_at.is_not(None),
        )
    ):
        timeline.append(TimelineEntry(accepted, "liaison", user))
    for change in session.scalars(
        select(SeverityChange).where(SeverityChange.incident_id == incident.id)
    ):
        timeline.append(
            TimelineEntry(
                change.changed_at,
                "severity",
                change.changed_by,
                f"{change.previous} → {change.severity}",
            )
        )
    updates = session.execute(
        select(
            StatusUpdate.posted_at,
            StatusUpdate.next_update_at,
            StatusUpdate.status,
            StatusUpdate.customer_message,
            StatusUpdate.posted_by,
        )
        .where(StatusUpdate.incident_id == incident.id)
        .order_by(StatusUpdate.posted_at, StatusUpdate.id)
    ).all()
    for posted, _, status, message, by in updates:
        timeline.append(TimelineEntry(posted, "update", by, f"{status}: {message}"))
    if incident.reopened_at:
        timeline.append(TimelineEntry(incident.reopened_at, "reopened"))
    if incident.resolved_at:
        timeline.append(
            TimelineEntry(
                incident.resolved_at, "resolved", incident.resolved_by, incident.resolution_note
            )
        )
    timeline.sort(key=lambda entry: entry.at)
    reports, customers = session.execute(
        select(func.count(Report.id), func.count(func.distinct(Report.customer_key))).where(
            Report.incident_id == incident.id
        )
    ).one()
    breaches = [
        Breach(r.customer_name, r.ticket_ref, r.sla_policy or r.tier, r.breached_at)
        for r in session.scalars(
            select(Report)
            .where(Report.incident_id == incident.id, Report.breached_at.is_not(None))
            .order_by(Report.breached_at)
        )
        if r.breached_at is not None
    ]
    board = followups.load_board(session, incident)
    window = visible_window(session, incident)
    return DraftFacts(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        resolution_note=incident.resolution_note,
        visible_start=window[0] if window else None,
        timeline=timeline,
        reports=int(reports),
        customers=int(customers),
        regions=_segments(session, incident.id, Report.region),
        tiers=_segments(session, incident.id, Report.tier),
        vips=list(
            session.scalars(
                select(Report.customer_name)
                .where(Report.incident_id == incident.id, Report.vip.is_(True))
                .group_by(Report.customer_name)
                .order_by(Report.customer_name)
            )
        ),
        cadence=deadlines([(u[0], u[1]) for u in updates], incident.resolved_at, now),
        breaches=breaches,
        to_tell=board.count(followups.TO_TELL),
        told=board.count(followups.TOLD),
        not_needed=board.count(followups.NOT_NEEDED),
        credits=credits_for(session, incident.id),
    )


def draft_prelim(rt: Runtime, incident_id: int) -> tuple[DraftFacts, str]:
    """The facts and the Markdown of the preliminary report."""
    now = rt.clock.now()
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        facts = gather(session, incident, now)
    return facts, rt.renderer.render("followup/prelim_report.md.j2", f=facts, now=now)


def _segments(session: Session, incident_id: int, column: object) -> list[Segment]:
    rows = session.execute(
        select(column, func.count(func.distinct(Report.customer_key)).label("customers"))
        .where(Report.incident_id == incident_id, column.is_not(None))  # type: ignore[attr-defined]
        .group_by(column)
        .order_by(func.count(func.distinct(Report.customer_key)).desc(), column)
        .limit(SEGMENTS_SHOWN)
    ).all()
    return [Segment(str(label), int(count)) for label, count in rows]
