"""Support metrics of one period, from queries over stored facts.

The incidents of a period are those opened in it (optionally of one severity). A handful
of grouped queries read per-incident facts (first liaison acceptance, first update,
first sign of customer impact, ticket SLAs, follow-ups); durations and shares are then
computed in Python from those few thousand rows, never from every report.

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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from bot.models import Followup, Incident, LiaisonAssignment, Report, SlaCredit, StatusUpdate
from bot.services.metrics.cadence_facts import deadlines
from bot.services.metrics.figures import DurationFigure, Figures, Share
from bot.services.metrics.period import Window

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
    ids = incidents_in(window, severity).subquery()
    incidents = session.execute(
        select(
            Incident.id,
            Incident.severity,
            Incident.opened_at,
            Incident.became_major_at,
            Incident.assessed_at,
            Incident.resolved_at,
        ).where(Incident.id.in_(select(ids.c.id)))
    ).all()
    accepted = _per_incident(
        session,
        select(LiaisonAssignment.incident_id, func.min(LiaisonAssignment.accepted_at))
        .where(LiaisonAssignment.incident_id.in_(select(ids.c.id)))
        .group_by(LiaisonAssignment.incident_id),
    )
    # Two index-only aggregates (first report; first contact where an agent gave one)
    # rather than one over coalesce(), which would read every report row.
    first_seen = _per_incident(
        session,
        select(Report.incident_id, func.min(Report.created_at))
        .where(Report.incident_id.in_(select(ids.c.id)))
        .group_by(Report.incident_id),
    )
    for incident_id, contact in _per_incident(
        session,
        select(Report.incident_id, func.min(Report.first_contact_at))
        .where(Report.incident_id.in_(select(ids.c.id)), Report.first_contact_at.is_not(None))
        .group_by(Report.incident_id),
    ).items():
        first_seen[incident_id] = min(contact, first_seen.get(incident_id, contact))
    updates: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for incident_id, posted, due in session.execute(
        select(StatusUpdate.incident_id, StatusUpdate.posted_at, StatusUpdate.next_update_at)
        .where(StatusUpdate.incident_id.in_(select(ids.c.id)))
        .order_by(StatusUpdate.incident_id, StatusUpdate.posted_at, StatusUpdate.id)
    ):
        updates[incident_id].append((posted, due))

    by_severity: dict[str, int] = defaultdict(int)
    mtta, first_update, assessment, mttr = [], [], [], []
    without_liaison = 0
    cadence_parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    weekly_counts: dict[int, int] = defaultdict(int)
    weekly_mttr: dict[int, list[timedelta]] = defaultdict(list)
    for incident in incidents:
        by_severity[incident.severity] += 1
        week = int((incident.opened_at - window.start) / WEEK)
        weekly_counts[week] += 1
        if incident.became_major_at is not None:
            if incident.id in accepted and accepted[incident.id] is not None:
                mtta.append(max(accepted[incident.id] - incident.became_major_at, timedelta(0)))
            else:
                without_liaison += 1
        if updates.get(incident.id):
            first_update.append(updates[incident.id][0][0] - incident.opened_at)
        if incident.assessed_at is not None:
            assessment.append(incident.assessed_at - incident.opened_at)
        if incident.resolved_at is not None:
            start = min(incident.opened_at, first_seen.get(incident.id) or incident.opened_at)
            mttr.append(incident.resolved_at - start)
            weekly_mttr[week].append(incident.resolved_at - start)
        kept = deadlines(updates.get(incident.id, []), incident.resolved_at, now)
        cadence_parts[incident.severity][0] += kept.met
        cadence_parts[incident.severity][1] += kept.total

    sla_by_tier, breaches = _sla(session, ids, now)
    told, reactions, fcr = _followups(session, ids)
    credits, credit_accounts = session.execute(
        select(func.count(SlaCredit.id), func.count(func.distinct(SlaCredit.account_id))).where(
            SlaCredit.incident_id.in_(select(ids.c.id))
        )
    ).one()
    weeks = max(1, -(-window.length // WEEK))
    return Figures(
        incidents=len(incidents),
        by_severity=dict(sorted(by_severity.items())),
        without_liaison=without_liaison,
        mtta=DurationFigure.of(mtta),
        first_update=DurationFigure.of(first_update),
        assessment=DurationFigure.of(assessment),
        mttr=DurationFigure.of(mttr),
        cadence=Share(
            sum(p[0] for p in cadence_parts.values()), sum(p[1] for p in cadence_parts.values())
        ),
        cadence_by_severity={s: Share(*p) for s, p in sorted(cadence_parts.items()) if p[1]},
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


def _per_incident(session: Session, query: Select[tuple[int, datetime]]) -> dict[int, datetime]:
    return {incident_id: _aware(moment) for incident_id, moment in session.execute(query)}


def _sla(session: Session, ids: Any, now: datetime) -> tuple[dict[str, Share], int]:
    tier = func.coalesce(Report.sla_policy, Report.tier)
    breached = func.sum(case((Report.breached_at.is_not(None), 1), else_=0))
    rows = session.execute(
        select(tier, func.count(Report.id), breached)
        .where(
            Report.incident_id.in_(select(ids.c.id)),
            Report.first_response_due_at.is_not(None),
            # Unanswered tickets whose deadline is still ahead are not decided yet.
            or_(
                Report.breached_at.is_not(None),
                Report.responded_at.is_not(None),
                Report.first_response_due_at <= now,
            ),
        )
        .group_by(tier)
        .order_by(tier)
    ).all()
    shares = {
        str(name): Share(int(total) - int(late or 0), int(total)) for name, total, late in rows
    }
    return shares, sum(int(late or 0) for _, _, late in rows)


def _followups(session: Session, ids: Any) -> tuple[Share, dict[str, int], Share]:
    rows = session.execute(
        select(
            Followup.state,
            Followup.told_at,
            Followup.reaction,
            Followup.reasons,
            Followup.further_reply_at,
            Incident.resolved_at,
        )
        .join(Incident, Incident.id == Followup.incident_id)
        .where(Followup.incident_id.in_(select(ids.c.id)))
    ).all()
    need = told_in_day = told_reporting = first_contact = 0
    reactions: dict[str, int] = defaultdict(int)
    for state, told_at, reaction, reasons, further, resolved_at in rows:
        if reaction:
            reactions[reaction] += 1
        if state == "not_needed" or resolved_at is None:
            continue
        need += 1
        if state != "told" or told_at is None:
            continue
        if told_at - resolved_at <= DAY:
            told_in_day += 1
        if reasons.startswith("reported"):
            told_reporting += 1
            first_contact += further is None
    return (
        Share(told_in_day, need),
        dict(sorted(reactions.items())),
        Share(first_contact, told_reporting),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
