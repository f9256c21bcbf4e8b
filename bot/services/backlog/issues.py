"""``/liaison jira``: a Jira issue carrying the incident's customer impact.

The request is a row written with its job; the job creates the issue (description in
Atlassian Document Format: totals, leading segments, VIPs, sample reports, ticket links,
the incident channel), stores its key and link, and posts the link in the channel. An
incident that already has an issue asks before a second is made (``/liaison jira new``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.errors import InvalidInput, NotFound
from bot.integrations.http import IntegrationError
from bot.integrations.jira import adf
from bot.integrations.jira.client import JiraClient
from bot.jobs import Job, Outcome
from bot.models import Incident, JiraIssue, LiaisonAssignment, StatusUpdate
from bot.runtime import Runtime
from bot.services.backlog.kinds import CREATE, CreatePayload
from bot.services.oncall.facts import ImpactFacts, impact_facts
from bot.services.oncall.kinds import NOTICE, Notice


@dataclass(frozen=True)
class IssueRequest:
    incident_id: int
    created: bool  # False: an issue exists (or is being made) and nothing was requested
    existing_key: str | None = None
    existing_url: str | None = None
    purpose: str = "impact"


def request_issue(
    rt: Runtime, *, incident_id: int, actor: str, again: bool, purpose: str = "impact"
) -> IssueRequest:
    if not rt.settings.jira_enabled:
        raise InvalidInput(
            "Jira is not set up: the operator sets JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN "
            "and JIRA_PROJECT."
        )
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident = session.get(Incident, incident_id, with_for_update=True)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        existing = session.scalars(
            select(JiraIssue)
            .where(JiraIssue.incident_id == incident_id, JiraIssue.purpose == purpose)
            .order_by(JiraIssue.id)
        ).first()
        if existing is not None and not again:
            return IssueRequest(incident_id, False, existing.issue_key, existing.url, purpose)
        row = JiraIssue(
            incident_id=incident_id, purpose=purpose, requested_by=actor, requested_at=now
        )
        session.add(row)
        session.flush()
        # No key: the row is the request (a failed one is removed, and on SQLite its id
        # may come back for the next request).
        jobs.schedule(
            session, CREATE, CreatePayload(jira_issue_id=row.id), due_at=now, now=now,
            incident_id=incident_id,
        )  # fmt: skip
    rt.wake()
    return IssueRequest(incident_id, True, purpose=purpose)


def describe(facts: ImpactFacts, channel_url: str | None) -> dict[str, Any]:
    """The issue description: the customer impact as engineers planning a fix read it."""
    totals = (
        f"{facts.reports} customer report{'s' if facts.reports != 1 else ''} from "
        f"{facts.customers} customer{'s' if facts.customers != 1 else ''}; severity "
        f"{facts.severity}."
    )
    segments = facts.leading_segments
    return adf.document(
        adf.heading("Customer impact"),
        adf.paragraph(totals),
        adf.paragraph("Leading segments: ", ", ".join(segments)) if segments else None,
        adf.paragraph("VIP customers: ", ", ".join(facts.vips)) if facts.vips else None,
        adf.heading("Sample reports") if facts.samples else None,
        adf.bullets(facts.samples) if facts.samples else None,
        adf.heading("Tickets") if facts.tickets else None,
        adf.bullets(adf.text(ref, href=url) for ref, url in facts.tickets)
        if facts.tickets
        else None,
        adf.paragraph(
            "Incident channel: ",
            adf.text(f"#{facts.channel_name or facts.channel_id}", href=channel_url),
        )
        if facts.channel_id
        else None,
        adf.paragraph(f"Liaison incident #{facts.incident_id}."),
    )


@dataclass(frozen=True)
class Timeline:
    opened_at: datetime
    resolved_at: datetime | None
    became_major_at: datetime | None
    updates: int
    liaison: str | None
    resolution_note: str | None


def _timeline(session: Session, incident: Incident) -> Timeline:
    updates = session.scalar(
        select(func.count(StatusUpdate.id)).where(StatusUpdate.incident_id == incident.id)
    )
    liaison = session.scalars(
        select(LiaisonAssignment.user_id)
        .where(LiaisonAssignment.incident_id == incident.id)
        .order_by(LiaisonAssignment.id.desc())
    ).first()
    return Timeline(
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        became_major_at=incident.became_major_at,
        updates=int(updates or 0),
        liaison=liaison,
        resolution_note=incident.resolution_note,
    )


def describe_pir(pir: Timeline, facts: ImpactFacts, channel_url: str | None) -> dict[str, Any]:
    """The post-incident report ticket: the facts the report is written from."""
    stamp = "%Y-%m-%d %H:%M UTC"
    lasted = (
        f"{int((pir.resolved_at - pir.opened_at).total_seconds() // 60)} minutes"
        if pir.resolved_at
        else "still open"
    )
    lines = [
        f"Opened {pir.opened_at.strftime(stamp)}",
        f"Resolved {pir.resolved_at.strftime(stamp)}" if pir.resolved_at else "Not resolved yet",
        f"Duration: {lasted}; severity {facts.severity}",
        f"Customer updates posted: {pir.updates}",
        f"Customer reports: {facts.reports} from {facts.customers} customers",
    ]
    if pir.became_major_at:
        lines.insert(1, f"Major since {pir.became_major_at.strftime(stamp)}")
    return adf.document(
        adf.heading("Facts"),
        adf.bullets(lines),
        adf.paragraph("Resolution: ", pir.resolution_note) if pir.resolution_note else None,
        adf.paragraph("VIP customers: ", ", ".join(facts.vips)) if facts.vips else None,
        adf.heading("To write"),
        adf.bullets(["Summary", "Timeline", "Root cause", "Customer impact", "Action items"]),
        adf.paragraph(
            "Incident channel: ",
            adf.text(f"#{facts.channel_name or facts.channel_id}", href=channel_url),
        )
        if facts.channel_id
        else None,
    )


def create_issue(rt: Runtime, client: JiraClient, job: Job[CreatePayload]) -> Outcome:
    settings = rt.settings
    with rt.sessions() as session:
        row = session.get(JiraIssue, job.payload.jira_issue_id)
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if row is None or incident is None or row.issue_key:
            return Outcome.obsolete
        facts = impact_facts(session, incident)
        pir = _timeline(session, incident) if row.purpose == "pir" else None
        template = "backlog/pir_created.j2" if pir is not None else "backlog/issue_created.j2"
    channel_url = (
        f"https://slack.com/app_redirect?channel={facts.channel_id}" if facts.channel_id else None
    )
    labels = [*settings.jira_labels, f"liaison-incident-{facts.incident_id}"]
    fields: dict[str, Any] = {
        "project": {"key": settings.jira_project},
        "issuetype": {"name": settings.jira_issue_type},
        "summary": f"Customer impact: {facts.title} (incident #{facts.incident_id})"[:255],
        "description": describe(facts, channel_url),
        "labels": labels,
    }
    if pir is not None:
        fields.update(
            issuetype={"name": settings.jira_pir_issue_type},
            summary=f"Post-incident report: {facts.title} (incident #{facts.incident_id})"[:255],
            description=describe_pir(pir, facts, channel_url),
            labels=[*labels, "post-incident-report"],
        )
    if settings.jira_customers_field:
        fields[settings.jira_customers_field] = facts.customers
    try:
        created = client.create_issue(fields)
    except IntegrationError as exc:
        if exc.permanent or job.last_attempt:
            _tell_failed(rt, job, reason=str(exc))
        raise
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        stored = session.get(JiraIssue, job.payload.jira_issue_id)
        if stored is not None:
            stored.issue_key, stored.url, stored.created_at = created.key, created.url, now
        context = {"key": created.key, "url": created.url}
        jobs.schedule(
            session, NOTICE, Notice(template=template, context=context),
            key=f"jira:{created.key}", due_at=now, now=now, incident_id=job.incident_id,
        )  # fmt: skip
    rt.wake()
    return Outcome.sent


def _tell_failed(rt: Runtime, job: Job[CreatePayload], *, reason: str) -> None:
    """No issue was made: say so in the channel, and let ``/liaison jira`` try again."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = session.get(JiraIssue, job.payload.jira_issue_id)
        actor = row.requested_by if row is not None else None
        if row is not None and row.issue_key is None:
            session.delete(row)
        jobs.schedule(
            session, NOTICE,
            Notice(template="backlog/issue_failed.j2",
                   context={"actor": actor, "reason": reason[:300]}),
            key=f"jira-failed:{job.id}", due_at=now, now=now, incident_id=job.incident_id,
        )  # fmt: skip
    rt.wake()
