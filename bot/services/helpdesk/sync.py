"""Applying a ticket snapshot: link it to its incident's report, keep the report current,
detach it when unlinked, and stop the SLA clock at the first public reply.

Reads first, then the Slack lookup of the owner (outside any transaction), then one write
transaction that checks the version again under the link's row lock: a redelivered or
older snapshot changes nothing, whichever replica applies it and in whatever order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Incident, Report, TicketLink
from bot.runtime import Runtime
from bot.services.helpdesk import matching
from bot.services.helpdesk.followups import after_resolution
from bot.services.helpdesk.model import TicketSnapshot, TicketSource
from bot.services.helpdesk.unowned import schedule_notice
from bot.services.reports import ReportRejected, attach
from bot.services.sla.actions import record_response
from bot.services.sla.schedule import stop_clock

log = logging.getLogger(__name__)


class Applied(StrEnum):
    attached = "attached"  # a new report on the incident
    updated = "updated"  # the linked report follows the ticket's newer version
    detached = "detached"  # unlinked from its incident: recorded, not deleted
    stale = "stale"  # this version (or a newer one) was applied already
    unlinked = "unlinked"  # names no incident: nothing to do
    unowned = "unowned"  # nobody in Slack to own it and no fallback owner


@dataclass(frozen=True)
class SyncResult:
    applied: Applied
    report_id: int | None = None
    responded: bool = False


def link_for(session: Session, source: TicketSource, external_id: str) -> TicketLink | None:
    return session.scalars(
        select(TicketLink).where(
            TicketLink.source == source.value, TicketLink.external_id == external_id
        )
    ).first()


def apply_snapshot(rt: Runtime, source: TicketSource, snapshot: TicketSnapshot) -> SyncResult:
    """Bring Liaison in line with the ticket as ``snapshot`` shows it."""
    settings = rt.settings
    with rt.sessions() as session:
        link = link_for(session, source, snapshot.id)
        if link is not None and snapshot.updated_at <= link.ticket_updated_at:
            return SyncResult(Applied.stale, link.report_id)
        incident = matching.find_incident(session, snapshot, settings)
        incident_id = incident.id if incident is not None else None
        keeps_report = (
            link is not None
            and link.status == "linked"
            and link.report_id is not None
            and ((incident_id is None and not _incident_open(session, link.incident_id))
                 or incident_id == link.incident_id)
        )  # fmt: skip
        account = matching.find_account(session, snapshot) if incident else None
        submission = None
        unmatched: str | None = None
        if not keeps_report and incident is not None and incident.is_open:
            owner, unmatched = _owner(rt, snapshot.assignee_email)
            if owner is None:
                log.warning("%s ticket %s has no owner in Slack", source.value, snapshot.id)
                _record(
                    rt, source, snapshot, incident_id=incident_id, report_id=None, status="unowned"
                )
                return SyncResult(Applied.unowned)
            submission = matching.build_submission(
                snapshot, settings, incident=incident, account=account, owner=owner
            )
    if keeps_report:
        assert link is not None
        result = _update(rt, source, snapshot, link.report_id)
    elif submission is not None and incident_id is not None:
        try:
            attached = attach(
                rt, submission, submission_key=f"{source.value}:ticket:{snapshot.id}:{incident_id}"
            )
        except ReportRejected as rejected:
            log.warning("%s ticket %s refused: %s", source.value, snapshot.id, rejected.errors)
            return SyncResult(Applied.unlinked)
        _record(
            rt, source, snapshot, incident_id=incident_id, report_id=attached.id,
            unmatched_assignee=unmatched,
        )  # fmt: skip
        result = SyncResult(Applied.attached, attached.id)
    elif link is not None and link.status == "linked" and link.report_id is not None:
        return _detach(rt, source, snapshot)
    else:
        if link is not None:  # keep its newest version; tickets never linked leave no row
            _record(rt, source, snapshot, incident_id=None, report_id=None, status="detached")
        return SyncResult(Applied.unlinked)
    result = _first_response(rt, source, snapshot, result)
    if result.applied is Applied.updated:
        after_resolution(rt, source, snapshot)
    return result


def _incident_open(session: Session, incident_id: int | None) -> bool:
    incident = session.get(Incident, incident_id) if incident_id else None
    return bool(incident and incident.is_open)


def _owner(rt: Runtime, email: str | None) -> tuple[str | None, str | None]:
    """The assignee's Slack account (same email), else the configured fallback owner; and
    the assignee nobody matched (empty: unassigned), for the liaison's checklist."""
    if email:
        found = rt.notifier.user_id_by_email(email)
        if found:
            return found, None
    return rt.settings.helpdesk_fallback_owner or None, (email or "")[:254]


def _record(
    rt: Runtime,
    source: TicketSource,
    snapshot: TicketSnapshot,
    *,
    incident_id: int | None,
    report_id: int | None,
    status: str = "linked",
    unmatched_assignee: str | None = None,
) -> None:
    """Store the ticket's newest version (and the report it became) on its link row."""
    now = rt.clock.now()
    try:
        with rt.sessions.begin() as session:
            link = _locked_link(session, source, snapshot.id)
            if link is None:
                link = TicketLink(
                    source=source.value, external_id=snapshot.id, created_at=now,
                    ticket_updated_at=snapshot.updated_at, changed_at=now,
                )  # fmt: skip
                session.add(link)
            elif link.ticket_updated_at > snapshot.updated_at:
                return
            was = link.status
            if report_id is not None:  # a new report: who owns it, and how
                link.unmatched_assignee = unmatched_assignee
            fell_back = report_id is not None and unmatched_assignee is not None
            newly_unowned = status == "unowned" and was != "unowned"
            if incident_id is not None and (fell_back or newly_unowned):
                schedule_notice(session, incident_id, now=now)  # the liaison sorts it out
            link.report_id = report_id if report_id is not None else link.report_id
            link.incident_id = incident_id if incident_id is not None else link.incident_id
            link.status = status
            link.ticket_status = snapshot.status.lower()[:32]
            link.ticket_url = snapshot.url
            link.ticket_updated_at = snapshot.updated_at
            link.changed_at = now
    except IntegrityError:  # another replica created the row a moment ago: apply on top
        _record(
            rt, source, snapshot, incident_id=incident_id, report_id=report_id, status=status,
            unmatched_assignee=unmatched_assignee,
        )  # fmt: skip


def _locked_link(session: Session, source: TicketSource, external_id: str) -> TicketLink | None:
    return session.scalars(
        select(TicketLink)
        .where(TicketLink.source == source.value, TicketLink.external_id == external_id)
        .with_for_update()
    ).first()


def _update(
    rt: Runtime, source: TicketSource, snapshot: TicketSnapshot, report_id: int | None
) -> SyncResult:
    """A newer version of a linked ticket: its fields update the report."""
    values = matching.report_values(snapshot, rt.settings)
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        link = _locked_link(session, source, snapshot.id)
        if link is None or link.ticket_updated_at >= snapshot.updated_at:
            return SyncResult(Applied.stale, report_id)
        report = session.get(Report, link.report_id) if link.report_id else None
        if report is not None:
            if values["tier"] and not report.account_id:
                report.tier = str(values["tier"])
            if values["region"] and not report.account_id:
                report.region = str(values["region"])
            if values["product_version"]:
                report.product_version = str(values["product_version"])[:64]
            if values["platform"]:
                report.platform = str(values["platform"])
        link.ticket_status = snapshot.status.lower()[:32]
        link.ticket_updated_at = snapshot.updated_at
        link.changed_at = now
    return SyncResult(Applied.updated, report_id)


def _detach(rt: Runtime, source: TicketSource, snapshot: TicketSnapshot) -> SyncResult:
    """Unlinked in the help desk: the link is kept as detached and its SLA reminders stop."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        link = _locked_link(session, source, snapshot.id)
        if link is None or link.ticket_updated_at >= snapshot.updated_at:
            return SyncResult(Applied.stale)
        link.status = "detached"
        link.ticket_status = snapshot.status.lower()[:32]
        link.ticket_updated_at = snapshot.updated_at
        link.changed_at = now
        if link.report_id is not None:
            stop_clock(session, link.report_id, now=now, breach_too=True)
        report_id = link.report_id
    return SyncResult(Applied.detached, report_id)


def _first_response(
    rt: Runtime, source: TicketSource, snapshot: TicketSnapshot, result: SyncResult
) -> SyncResult:
    """The first public agent reply (or a solved/closed ticket) answers the customer."""
    if result.report_id is None:
        return result
    answered_at = snapshot.first_public_reply_at or (
        snapshot.updated_at if snapshot.answered else None
    )
    if answered_at is None:
        return result
    ticket = record_response(
        rt, report_id=result.report_id, at=answered_at, actor=f"{source.value}:{snapshot.id}"[:32]
    )
    return SyncResult(result.applied, result.report_id, responded=ticket is not None)
