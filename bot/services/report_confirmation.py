"""The agent's confirmation that a report was attached, delivered durably.

A ``report.confirm`` reminder is written by a ``report_attached`` subscriber, so it is
committed in the same transaction as the report itself: if the process dies after storing
and before confirming, the next dispatcher run (any replica) still sends the DM, and a
report is never confirmed without being stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, JobKind, NoPayload, Outcome
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report, ReportFeature
from bot.runtime import Runtime
from bot.slack.report_blocks import confirmation_blocks

CONFIRM_KIND = "report.confirm"
# The agent's DM; one per report (keyed by it).
CONFIRM: JobKind[NoPayload] = JobKind(CONFIRM_KIND, NoPayload)


@dataclass(frozen=True)
class Confirmation:
    """Everything the confirmation DM says, read from the database when it is sent."""

    report_id: int
    agent_id: str
    customer_name: str
    account_id: str | None
    vip: bool
    ticket_ref: str | None
    ticket_url: str | None
    region: str | None
    tier: str | None
    features: list[str]
    source_permalink: str | None
    incident_id: int
    incident_title: str
    incident_severity: str
    incident_status: str
    channel_id: str | None
    is_repeat_customer: bool
    earlier_reports_from_customer: int
    report_count: int
    customer_count: int


def install(rt: Runtime) -> None:
    """Schedule a confirmation with every attached report, and send it when due."""

    def schedule_confirmation(session: Session, event: LifecycleEvent) -> None:
        report = event.report
        if report is None:
            return
        jobs.schedule(
            session,
            CONFIRM,
            key=str(report.id),
            due_at=event.now,
            now=event.now,
            incident_id=event.incident.id,
            report_id=report.id,
            target=report.owner_user_id,
        )

    rt.hooks.subscribe(Lifecycle.report_attached, schedule_confirmation)
    rt.dispatcher.declare(CONFIRM, partial(send_confirmation, rt))


def send_confirmation(rt: Runtime, reminder: Job[NoPayload]) -> Outcome:
    """DM the agent; a report deleted meanwhile has nothing left to confirm."""
    confirmation = load_confirmation(rt, reminder.report_id) if reminder.report_id else None
    if confirmation is None:
        return Outcome.obsolete
    text = rt.renderer.render("reports/confirmation.j2", c=confirmation)
    footer = rt.renderer.render("reports/confirmation_footer.j2", c=confirmation)
    rt.notifier.dm(confirmation.agent_id, text, confirmation_blocks(text, footer))
    return Outcome.sent


def load_confirmation(rt: Runtime, report_id: int) -> Confirmation | None:
    with rt.sessions() as session:
        report = session.get(Report, report_id)
        if report is None:
            return None
        incident = session.get_one(Incident, report.incident_id)
        earlier = session.scalar(
            select(func.count(Report.id)).where(
                Report.incident_id == incident.id,
                Report.customer_key == report.customer_key,
                Report.id < report.id,
            )
        )
        features = list(
            session.scalars(
                select(ReportFeature.feature)
                .where(ReportFeature.report_id == report.id)
                .order_by(ReportFeature.feature)
            )
        )
        return Confirmation(
            report_id=report.id,
            agent_id=report.owner_user_id,
            customer_name=report.customer_name,
            account_id=report.account_id,
            vip=report.vip,
            ticket_ref=report.ticket_ref,
            ticket_url=report.ticket_url,
            region=report.region,
            tier=report.tier,
            features=features,
            source_permalink=report.source_permalink,
            incident_id=incident.id,
            incident_title=incident.title,
            incident_severity=incident.severity,
            incident_status=incident.status,
            channel_id=incident.channel_id,
            is_repeat_customer=bool(earlier),
            earlier_reports_from_customer=int(earlier or 0),
            report_count=incident.report_count,
            customer_count=incident.customer_count,
        )
