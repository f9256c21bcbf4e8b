"""The agent's confirmation that a report was attached, delivered durably.

A ``report.confirm`` reminder is written by a ``report_attached`` subscriber, so it is
committed in the same transaction as the report itself: if the process dies after storing
and before confirming, the next dispatcher run (any replica) still sends the DM, and a
report is never confirmed without being stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

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
    """Everything the DM says in two statements (the report with its incident, counts
    included; then its features): this runs once per report, so it is kept lean."""
    with rt.sessions() as session:
        row = session.execute(_CONFIRMATION, {"report_id": report_id}).first()
        if row is None:
            return None
        features = list(session.scalars(_FEATURES, {"report_id": report_id}))
    return Confirmation(
        report_id=row.id,
        agent_id=row.owner_user_id,
        customer_name=row.customer_name,
        account_id=row.account_id,
        vip=bool(row.vip),
        ticket_ref=row.ticket_ref,
        ticket_url=row.ticket_url,
        region=row.region,
        tier=row.tier,
        features=features,
        source_permalink=row.source_permalink,
        incident_id=row.incident_id,
        incident_title=row.title,
        incident_severity=row.severity,
        incident_status=row.status,
        channel_id=row.channel_id,
        is_repeat_customer=bool(row.earlier),
        earlier_reports_from_customer=int(row.earlier or 0),
        report_count=int(row.report_count),
        customer_count=int(row.customer_count),
    )


_Earlier = aliased(Report)
_CONFIRMATION = (
    select(
        Report.id,
        Report.owner_user_id,
        Report.customer_name,
        Report.account_id,
        Report.vip,
        Report.ticket_ref,
        Report.ticket_url,
        Report.region,
        Report.tier,
        Report.source_permalink,
        Report.incident_id,
        Incident.title,
        Incident.severity,
        Incident.status,
        Incident.channel_id,
        Incident.report_count,
        Incident.customer_count,
        select(func.count(_Earlier.id))
        .where(
            _Earlier.incident_id == Report.incident_id,
            _Earlier.customer_key == Report.customer_key,
            _Earlier.id < Report.id,
        )
        .scalar_subquery()
        .label("earlier"),
    )
    .join(Incident, Incident.id == Report.incident_id)
    .where(Report.id == bindparam("report_id"))
)
_FEATURES = (
    select(ReportFeature.feature)
    .where(ReportFeature.report_id == bindparam("report_id"))
    .order_by(ReportFeature.feature)
)
