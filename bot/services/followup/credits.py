"""SLA credits owed: the contractual terms applied to each affected directory account.

The customer-visible window runs from the first sign customers saw (the earliest first
contact or report, or the incident's opening if that came first) to its resolution. The
credits are written when the incident resolves (replacing those of an earlier resolution
if it was reopened), so billing reads what was owed under the terms of that day.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.lifecycle import LifecycleEvent
from bot.models import Account, Incident, Report, SlaCredit
from bot.services.followup.credit_terms import CreditTerms, credit_due

CSV_COLUMNS = (
    "incident_id",
    "account_id",
    "account_name",
    "tier",
    "percent",
    "threshold_seconds",
    "visible_seconds",
    "visible_start",
    "visible_end",
)


@dataclass(frozen=True)
class CreditLine:
    incident_id: int
    account_id: str
    account_name: str
    tier: str
    percent: int
    threshold: timedelta
    visible: timedelta
    visible_start: datetime
    visible_end: datetime


def visible_window(session: Session, incident: Incident) -> tuple[datetime, datetime] | None:
    """The incident's customer-visible start and end; None while it is unresolved."""
    if incident.resolved_at is None:
        return None
    first_seen = session.scalar(
        select(func.min(func.coalesce(Report.first_contact_at, Report.created_at))).where(
            Report.incident_id == incident.id
        )
    )
    start = incident.opened_at
    if first_seen is not None:
        first_seen = _aware(first_seen)
        start = min(start, first_seen)
    return start, incident.resolved_at


def compute_on_resolution(session: Session, event: LifecycleEvent, *, terms: CreditTerms) -> None:
    """Lifecycle subscriber: write the credits this resolution owes."""
    if terms:
        compute(session, event.incident, terms=terms, now=event.now)


def compute(
    session: Session, incident: Incident, *, terms: CreditTerms, now: datetime
) -> list[CreditLine]:
    window = visible_window(session, incident)
    session.execute(delete(SlaCredit).where(SlaCredit.incident_id == incident.id))
    if window is None:
        return []
    start, end = window
    visible = end - start
    accounts = session.execute(
        select(Account.account_id, Account.name, Account.tier)
        .where(
            Account.account_id.in_(
                select(Report.account_id).where(
                    Report.incident_id == incident.id, Report.account_id.is_not(None)
                )
            )
        )
        .order_by(Account.name, Account.account_id)
    ).all()
    lines = []
    for account_id, name, tier in accounts:
        due = credit_due(terms, tier, visible)
        if due is None:
            continue
        session.add(
            SlaCredit(
                incident_id=incident.id,
                account_id=account_id,
                account_name=name,
                tier=due.tier,
                percent=due.percent,
                threshold_seconds=int(due.threshold.total_seconds()),
                visible_seconds=int(visible.total_seconds()),
                visible_start=start,
                visible_end=end,
                created_at=now,
            )
        )
        lines.append(
            CreditLine(
                incident.id,
                account_id,
                name,
                due.tier,
                due.percent,
                due.threshold,
                visible,
                start,
                end,
            )
        )
    session.flush()
    return lines


def credits_for(session: Session, incident_id: int | None = None) -> list[CreditLine]:
    query = select(SlaCredit).order_by(SlaCredit.incident_id, SlaCredit.account_name)
    if incident_id is not None:
        query = query.where(SlaCredit.incident_id == incident_id)
    return [
        CreditLine(
            incident_id=row.incident_id,
            account_id=row.account_id,
            account_name=row.account_name,
            tier=row.tier,
            percent=row.percent,
            threshold=timedelta(seconds=row.threshold_seconds),
            visible=timedelta(seconds=row.visible_seconds),
            visible_start=row.visible_start,
            visible_end=row.visible_end,
        )
        for row in session.scalars(query)
    ]


def credits_csv(lines: list[CreditLine]) -> str:
    """The credits for billing: one row per account and incident."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            [
                line.incident_id,
                line.account_id,
                line.account_name,
                line.tier,
                line.percent,
                int(line.threshold.total_seconds()),
                int(line.visible.total_seconds()),
                line.visible_start.isoformat(),
                line.visible_end.isoformat(),
            ]
        )
    return out.getvalue()


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
