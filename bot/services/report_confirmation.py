"""The agent's confirmation that a report was attached, delivered durably.

A ``report.confirm`` reminder is written by a ``report_attached`` subscriber, so it is
committed in the same transaction as the report itself: if the process dies after storing
and before confirming, the next dispatcher run (any replica) still sends the DM, and a
report is never confirmed without being stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from bot import jobs
from bot.jobs import Job, JobKind, Outcome, Payload
from bot.jobs.kinds import Handler
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report, ReportFeature
from bot.runtime import Runtime
from bot.slack.report_blocks import confirmation_blocks

CONFIRM_KIND = "report.confirm"


class ConfirmationPayload(Payload):
    """What the attach counted, so sending does not count the incident's reports again.

    ``earlier_reports`` is None in jobs written before it was recorded: those count.
    """

    earlier_reports: int | None = None


# The agent's DM; one per report (keyed by it).
CONFIRM: JobKind[ConfirmationPayload] = JobKind(CONFIRM_KIND, ConfirmationPayload)


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
            ConfirmationPayload(earlier_reports=event.earlier_reports),
            key=str(report.id),
            due_at=event.now,
            now=event.now,
            incident_id=event.incident.id,
            report_id=report.id,
            target=report.owner_user_id,
        )

    rt.hooks.subscribe(Lifecycle.report_attached, schedule_confirmation)
    rt.dispatcher.declare(
        CONFIRM, partial(send_confirmation, rt), prepare=partial(prepare_confirmations, rt)
    )


def send_confirmation(rt: Runtime, reminder: Job[ConfirmationPayload]) -> Outcome:
    """DM the agent; a report deleted meanwhile has nothing left to confirm."""
    return prepare_confirmations(rt, [reminder])(reminder)


def prepare_confirmations(rt: Runtime, reminders: list[Job[ConfirmationPayload]]) -> Handler:
    """Read the confirmations of a whole batch in two statements (a burst of reports
    makes batches of many), and return the handler that sends each of them."""
    ids = sorted({r.report_id for r in reminders if r.report_id is not None})
    counted = {
        r.report_id: r.payload.earlier_reports
        for r in reminders
        if r.report_id is not None and r.payload.earlier_reports is not None
    }
    confirmations = load_confirmations(rt, ids, counted) if ids else {}
    return partial(_send, rt, confirmations)


def _send(
    rt: Runtime, confirmations: dict[int, Confirmation], reminder: Job[ConfirmationPayload]
) -> Outcome:
    confirmation = confirmations.get(reminder.report_id or 0)
    if confirmation is None:
        return Outcome.obsolete
    text = rt.renderer.render("reports/confirmation.j2", c=confirmation)
    footer = rt.renderer.render("reports/confirmation_footer.j2", c=confirmation)
    rt.notifier.dm(confirmation.agent_id, text, confirmation_blocks(text, footer))
    return Outcome.sent


def load_confirmations(
    rt: Runtime, report_ids: list[int], counted: Mapping[int, int] | None = None
) -> dict[int, Confirmation]:
    """Everything the DMs say in two statements (the reports with their incidents, counts
    included; then their features): this runs for every report, so it is kept lean.

    ``counted`` holds the earlier reports of each report's customer as the attach counted
    them; only reports missing from it are counted here, by a scan of their customer's
    reports on the incident.
    """
    earlier = dict(counted or {})
    features: dict[int, list[str]] = {}
    with rt.sessions() as session:
        rows = session.execute(_CONFIRMATIONS, {"report_ids": report_ids}).all()
        if not rows:
            return {}
        uncounted = [row.id for row in rows if row.id not in earlier]
        if uncounted:
            earlier.update(session.execute(_EARLIER, {"report_ids": uncounted}).tuples().all())
        for report_id, feature in session.execute(_FEATURES, {"report_ids": report_ids}):
            features.setdefault(report_id, []).append(feature)
    return {
        row.id: Confirmation(
            report_id=row.id,
            agent_id=row.owner_user_id,
            customer_name=row.customer_name,
            account_id=row.account_id,
            vip=bool(row.vip),
            ticket_ref=row.ticket_ref,
            ticket_url=row.ticket_url,
            region=row.region,
            tier=row.tier,
            features=features.get(row.id, []),
            source_permalink=row.source_permalink,
            incident_id=row.incident_id,
            incident_title=row.title,
            incident_severity=row.severity,
            incident_status=row.status,
            channel_id=row.channel_id,
            is_repeat_customer=bool(earlier.get(row.id)),
            earlier_reports_from_customer=int(earlier.get(row.id) or 0),
            report_count=int(row.report_count),
            customer_count=int(row.customer_count),
        )
        for row in rows
    }


_Earlier = aliased(Report)
_CONFIRMATIONS = (
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
    )
    .join(Incident, Incident.id == Report.incident_id)
    .where(Report.id.in_(bindparam("report_ids", expanding=True)))
)
# For confirmations written before the attach recorded the count.
_EARLIER = (
    select(Report.id, func.count(_Earlier.id))
    .join(
        _Earlier,
        (_Earlier.incident_id == Report.incident_id)
        & (_Earlier.customer_key == Report.customer_key)
        & (_Earlier.id < Report.id),
    )
    .where(Report.id.in_(bindparam("report_ids", expanding=True)))
    .group_by(Report.id)
)
_FEATURES = (
    select(ReportFeature.report_id, ReportFeature.feature)
    .where(ReportFeature.report_id.in_(bindparam("report_ids", expanding=True)))
    .order_by(ReportFeature.report_id, ReportFeature.feature)
)
