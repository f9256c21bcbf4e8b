"""Support metrics of one period, from queries over stored facts.

The incidents of a period are those opened in it (optionally of one severity). A handful
of grouped queries return one row per incident with its durations already in seconds
(bot/services/metrics/sql.py), and counts for the rest (cadence deadlines, ticket SLAs,
follow-ups); Python only takes percentiles and shares of those few thousand numbers. No
query returns a row per report or per status update.

Definitions:
- MTTA: from becoming major to the first acceptance of the liaison role (incidents that
  never became major, or never had a liaison, are not counted; the latter are reported).
- Time to first customer update / impact assessment: from opening.
- MTTR (customer-visible): from the first report or first contact (or the opening, if
  earlier) to the final resolution; a reopened incident counts to its last resolution.
- Cadence adherence: promised update deadlines met (bot/services/metrics/cadence_facts.py).
- SLA first-response compliance: tickets with a deadline that were not breached, per tier;
  tickets still unanswered before their deadline are not counted yet.
- Customers told within a day: follow-ups told within 24h of resolution, of all that need
  telling (not-needed ones excluded).
- CSAT: satisfied reactions of all reactions recorded.
- FCR: reporting customers told who needed no further agent reply after being told.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.models import (
    Followup,
    Incident,
    LiaisonAssignment,
    Report,
    SlaCredit,
    StatusUpdate,
    UTCDateTime,
)
from bot.services.metrics.figures import DurationFigure, Figures, Share
from bot.services.metrics.period import Window
from bot.services.metrics.sql import seconds_between

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def incidents_in(window: Window, severity: str | None) -> Select[tuple[int]]:
    query = select(Incident.id).where(
        Incident.opened_at >= window.start, Incident.opened_at < window.end
    )
    if severity:
        query = query.where(Incident.severity == severity)
    return query


def compute(session: Session, window: Window, severity: str | None, now: datetime) -> Figures:
    ids = incidents_in(window, severity).scalar_subquery()
    by_severity: dict[str, int] = defaultdict(int)
    mtta: list[timedelta] = []
    first_update: list[timedelta] = []
    assessment: list[timedelta] = []
    mttr: list[timedelta] = []
    without_liaison = 0
    weeks = max(1, -(-window.length // WEEK))
    weekly_counts: dict[int, int] = defaultdict(int)
    weekly_mttr: dict[int, list[timedelta]] = defaultdict(list)
    for row in session.execute(_per_incident(ids, window)):
        by_severity[row.severity] += 1
        week = min(weeks - 1, int((row.since_start or 0) // WEEK.total_seconds()))
        weekly_counts[week] += 1
        if row.major:
            if row.mtta is None:
                without_liaison += 1
            else:
                mtta.append(_seconds(max(row.mtta, 0.0)))
        if row.first_update is not None:
            first_update.append(_seconds(row.first_update))
        if row.assessment is not None:
            assessment.append(_seconds(row.assessment))
        if row.from_opening is not None:
            # From the customer's first sign: the earliest of opening, first report and
            # first contact is the longest of the three spans to the resolution.
            spans = (row.from_opening, row.from_report, row.from_contact)
            visible = _seconds(max(span for span in spans if span is not None))
            mttr.append(visible)
            weekly_mttr[week].append(visible)
    cadence = _cadence(session, ids, now)
    sla_by_tier, breaches = _sla(session, ids, now)
    told, reactions, fcr = _followups(session, ids)
    credits, credit_accounts = session.execute(
        select(func.count(SlaCredit.id), func.count(func.distinct(SlaCredit.account_id))).where(
            SlaCredit.incident_id.in_(ids)
        )
    ).one()
    return Figures(
        incidents=sum(by_severity.values()),
        by_severity=dict(sorted(by_severity.items())),
        without_liaison=without_liaison,
        mtta=DurationFigure.of(mtta),
        first_update=DurationFigure.of(first_update),
        assessment=DurationFigure.of(assessment),
        mttr=DurationFigure.of(mttr),
        cadence=Share(
            sum(s.part for s in cadence.values()), sum(s.whole for s in cadence.values())
        ),
        cadence_by_severity={sev: share for sev, share in sorted(cadence.items()) if share.whole},
        sla_by_tier=sla_by_tier,
        sla_breaches=breaches,
        told_within_day=told,
        credits=int(credits),
        credit_accounts=int(credit_accounts),
        csat=Share(reactions.get("satisfied", 0), sum(reactions.values())),
        reactions=reactions,
        fcr=fcr,
        weekly=[
            (
                (window.start + week * WEEK).strftime("%Y-%m-%d"),
                weekly_counts.get(week, 0),
                DurationFigure.of(weekly_mttr.get(week, [])).p50,
            )
            for week in range(weeks)
        ],
    )


def _per_incident(ids: Any, window: Window) -> Select[Any]:
    """One row per incident: its severity and its durations in seconds (NULL: no data)."""
    accepted = (
        select(LiaisonAssignment.incident_id, func.min(LiaisonAssignment.accepted_at).label("at"))
        .where(LiaisonAssignment.incident_id.in_(ids))
        .group_by(LiaisonAssignment.incident_id)
        .subquery()
    )
    # The first update, the first report and the first contact of each incident are looked
    # up one incident at a time: each is one seek in its index (incident_id, time), where a
    # grouped query would read every update or report of the period.
    updated = (
        select(func.min(StatusUpdate.posted_at))
        .where(StatusUpdate.incident_id == Incident.id)
        .correlate(Incident)
        .scalar_subquery()
    )
    reported = (
        select(func.min(Report.created_at))
        .where(Report.incident_id == Incident.id)
        .correlate(Incident)
        .scalar_subquery()
    )
    contacted = (
        select(func.min(Report.first_contact_at))
        .where(Report.incident_id == Incident.id, Report.first_contact_at.is_not(None))
        .correlate(Incident)
        .scalar_subquery()
    )
    start = literal(window.start, UTCDateTime())
    return (
        select(
            Incident.severity,
            seconds_between(start, Incident.opened_at).label("since_start"),
            Incident.became_major_at.is_not(None).label("major"),
            seconds_between(Incident.became_major_at, accepted.c.at).label("mtta"),
            seconds_between(Incident.opened_at, updated).label("first_update"),
            seconds_between(Incident.opened_at, Incident.assessed_at).label("assessment"),
            seconds_between(Incident.opened_at, Incident.resolved_at).label("from_opening"),
            seconds_between(reported, Incident.resolved_at).label("from_report"),
            seconds_between(contacted, Incident.resolved_at).label("from_contact"),
        )
        .outerjoin(accepted, accepted.c.incident_id == Incident.id)
        .where(Incident.id.in_(ids))
    )


def _cadence(session: Session, ids: Any, now: datetime) -> dict[str, Share]:
    """Update deadlines met and decided, per severity (see cadence_facts.py for the rule,
    which this query states in SQL: the next update, or the resolution, answers it)."""
    following = func.lead(StatusUpdate.posted_at).over(
        partition_by=StatusUpdate.incident_id, order_by=(StatusUpdate.posted_at, StatusUpdate.id)
    )
    promised = (
        select(
            StatusUpdate.incident_id,
            StatusUpdate.next_update_at.label("due"),
            following.label("following"),
        )
        .where(StatusUpdate.incident_id.in_(ids))
        .subquery()
    )
    answered = case(
        (promised.c.following.is_(None), Incident.resolved_at),
        (Incident.resolved_at.is_(None), promised.c.following),
        (promised.c.following < Incident.resolved_at, promised.c.following),
        else_=Incident.resolved_at,
    )
    met = func.sum(case((answered <= promised.c.due, 1), else_=0))
    decided = func.sum(
        case((or_(answered.is_not(None), promised.c.due < literal(now, UTCDateTime())), 1), else_=0)
    )
    rows = session.execute(
        select(Incident.severity, met, decided)
        .join(promised, promised.c.incident_id == Incident.id)
        .where(promised.c.due.is_not(None))
        .group_by(Incident.severity)
    )
    return {severity: Share(int(m or 0), int(d or 0)) for severity, m, d in rows}


def _sla(session: Session, ids: Any, now: datetime) -> tuple[dict[str, Share], int]:
    """Tickets decided and breached per tier, summed by the database: a row per tier back.

    The period's incidents come from ``ix_incidents_opened_at``; each one's tickets are
    read from ``ix_reports_incident_sla`` alone (every column the sums need is in it) and
    grouped in that index's order, so nothing is sorted but the few thousand per-incident
    groups the outer query sums per tier. Reports of other periods are never read.
    """
    per_incident = (
        select(
            Report.sla_policy,
            Report.tier,
            func.count().label("decided"),
            func.count(Report.breached_at).label("late"),
        )
        .where(
            Report.incident_id.in_(ids),
            Report.first_response_due_at.is_not(None),
            # Unanswered tickets whose deadline is still ahead are not decided yet.
            or_(
                Report.breached_at.is_not(None),
                Report.responded_at.is_not(None),
                Report.first_response_due_at <= now,
            ),
        )
        .group_by(Report.incident_id, Report.sla_policy, Report.tier)
        .subquery()
    )
    tier = func.coalesce(per_incident.c.sla_policy, per_incident.c.tier)
    rows = session.execute(
        select(tier, func.sum(per_incident.c.decided), func.sum(per_incident.c.late))
        .group_by(tier)
        .order_by(tier)
    )
    shares: dict[str, Share] = {}
    breaches = 0
    for name, decided, late in rows:
        shares[str(name)] = Share(int(decided) - int(late or 0), int(decided))
        breaches += int(late or 0)
    return shares, breaches


def _followups(session: Session, ids: Any) -> tuple[Share, dict[str, int], Share]:
    told = Followup.state == "told"
    reporting = Followup.reasons.like("reported%")
    need, told_in_day, told_reporting, first_contact = session.execute(
        select(
            func.count(Followup.id),
            _count(told, seconds_between(Incident.resolved_at, Followup.told_at) <= 86400),
            _count(told, reporting),
            _count(told, reporting, Followup.further_reply_at.is_(None)),
        )
        .join(Incident, Incident.id == Followup.incident_id)
        .where(
            Followup.incident_id.in_(ids),
            Followup.state != "not_needed",
            Incident.resolved_at.is_not(None),
        )
    ).one()
    reactions = {
        str(reaction): int(count)
        for reaction, count in session.execute(
            select(Followup.reaction, func.count(Followup.id))
            .where(Followup.incident_id.in_(ids), Followup.reaction.is_not(None))
            .group_by(Followup.reaction)
            .order_by(Followup.reaction)
        )
    }
    return (
        Share(int(told_in_day or 0), int(need or 0)),
        reactions,
        Share(int(first_contact or 0), int(told_reporting or 0)),
    )


def _count(*conditions: Any) -> Any:
    return func.sum(case((and_(*conditions), 1), else_=0), type_=Integer)


def _seconds(value: float) -> timedelta:
    # Rounded to the millisecond: julianday arithmetic is floating point.
    return timedelta(seconds=round(value, 3))
