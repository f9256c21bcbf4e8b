"""Starting a ticket's SLA clock when it is attached, and the resolution follow-up.

Both run as lifecycle subscribers inside the causing transaction: the deadline, its
reminders and the resolution digests are committed with the report or the resolution.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.lifecycle import LifecycleEvent
from bot.models import Report
from bot.services.sla.schedule import (
    Kind,
    refresh_home,
    schedule_breach,
    schedule_message,
    schedule_warnings,
)
from bot.sla_policy import SlaPolicy


def policy_for(
    policies: dict[str, SlaPolicy], tier: str | None, default_tier: str
) -> SlaPolicy | None:
    """The tier's policy; tickets of unknown tiers get the default policy (or none)."""
    return policies.get((tier or "").strip().lower()) or policies.get(default_tier)


def clock_start(report: Report) -> datetime:
    """When the customer first contacted us, else when the report was attached.

    A first contact in the future (a typo) cannot make the deadline later than attaching.
    """
    if report.first_contact_at is None:
        return report.created_at
    return min(report.first_contact_at, report.created_at)


def stamp_deadline(
    session: Session,
    event: LifecycleEvent,
    *,
    policies: dict[str, SlaPolicy],
    default_tier: str,
) -> None:
    """Before a report is stored: its tier's policy and first-response deadline, so the
    report is written once with them."""
    report = event.report
    if report is None:
        return
    policy = policy_for(policies, report.tier, default_tier)
    if policy is not None:
        report.sla_policy = policy.tier
        report.first_response_due_at = policy.first_response_due(clock_start(report))


def start_clock(
    session: Session,
    event: LifecycleEvent,
    *,
    leads: list[timedelta],
    home_delay: timedelta,
) -> None:
    """Once the report is stored: schedule its deadline's warnings and breach check."""
    report = event.report
    if report is None:
        return
    if report.sla_policy is not None and report.first_response_due_at is not None:
        schedule_warnings(
            session, report, owner=report.owner_user_id, now=event.now, leads=leads, catch_up=True
        )
        schedule_breach(session, report, now=event.now)
    refresh_home(session, [report.owner_user_id], now=event.now, delay=home_delay)


def schedule_resolution_digests(session: Session, event: LifecycleEvent) -> None:
    """One DM per owner listing the customers they still have to tell about the fix."""
    incident = event.incident
    owners = session.scalars(
        select(Report.owner_user_id)
        .where(
            Report.incident_id == incident.id,
            # Customers a help desk is about to tell are listed as told automatically.
            Report.customer_notified_at.is_(None) | Report.customer_notified_via.is_not(None),
        )
        .distinct()
        .order_by(Report.owner_user_id)
    ).all()
    for owner in owners:
        schedule_message(
            session,
            Kind.resolution_digest,
            key=f"{incident.id}:{owner}:{event.now.isoformat()}",
            target=owner,
            now=event.now,
            incident_id=incident.id,
        )
