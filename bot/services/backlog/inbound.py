"""Jira back to Liaison: a linked issue resolved, or its fix version released, tells the
liaison and each owner of a linked customer ticket whom to follow up with.

Each is told once per issue and fact (a resolution, a release): redeliveries and later
edits of the issue change nothing more.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.integrations.jira.events import Delivery
from bot.jobs import Job, Outcome
from bot.models import Incident, JiraIssue, LiaisonAssignment, Report
from bot.runtime import Runtime
from bot.services.backlog.kinds import TELL, TellPayload

_ACTIVE_LIAISON = ("pending", "accepted")


def receive(rt: Runtime, delivery: Delivery) -> bool:
    """Record one delivery; True when it concerned an issue Liaison created."""
    now = rt.clock.now()
    told = False
    with rt.sessions.begin() as session:
        if delivery.issue is not None:
            row = session.scalars(
                select(JiraIssue)
                .where(JiraIssue.issue_key == delivery.issue.key, JiraIssue.purpose == "impact")
                .with_for_update()
            ).one_or_none()
            if row is None:
                return False
            fields = delivery.issue.fields
            row.fix_versions = [v.name for v in fields.fix_versions][:20]
            if fields.resolution is not None and row.resolved_at is None:
                row.resolved_at, row.resolution = now, fields.resolution.name[:100] or "Done"
                told |= _tell(session, row, "resolved", row.resolution, now)
            released = next((v.name for v in fields.fix_versions if v.released), None)
            if released and row.released_at is None:
                row.released_at, row.released_version = now, released
                told |= _tell(session, row, "released", released, now)
        elif delivery.webhook_event == "jira:version_released" and delivery.version is not None:
            name = delivery.version.name
            for row in session.scalars(
                select(JiraIssue)
                .where(JiraIssue.released_at.is_(None), JiraIssue.purpose == "impact")
                .with_for_update()
            ).all():
                if name in (row.fix_versions or []):
                    row.released_at, row.released_version = now, name
                    told |= _tell(session, row, "released", name, now)
        else:
            return False
    if told:
        rt.wake()
    return True


def _tell(session: Session, row: JiraIssue, what: str, detail: str, now: object) -> bool:
    liaisons = session.scalars(
        select(LiaisonAssignment.user_id).where(
            LiaisonAssignment.incident_id == row.incident_id,
            LiaisonAssignment.status.in_(_ACTIVE_LIAISON),
        )
    ).all()
    owners = session.scalars(
        select(Report.owner_user_id).where(Report.incident_id == row.incident_id).distinct()
    ).all()
    key = f"{row.issue_key}:{what}"
    count = jobs.fan_out(
        session, TELL, liaisons,
        TellPayload(jira_issue_id=row.id, what=what, detail=detail, all_customers=True),
        key=key, now=now, incident_id=row.incident_id,  # type: ignore[arg-type]
    )  # fmt: skip
    count += jobs.fan_out(
        session, TELL, [o for o in owners if o not in liaisons],
        TellPayload(jira_issue_id=row.id, what=what, detail=detail),
        key=key, now=now, incident_id=row.incident_id,  # type: ignore[arg-type]
    )  # fmt: skip
    return count > 0


def tell(rt: Runtime, job: Job[TellPayload]) -> Outcome:
    """DM one person the customers to follow up with now that the fix is known."""
    user = str(job.target)
    with rt.sessions() as session:
        row = session.get(JiraIssue, job.payload.jira_issue_id)
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if row is None or incident is None:
            return Outcome.obsolete
        query = select(Report.customer_name, Report.ticket_ref, Report.ticket_url).where(
            Report.incident_id == incident.id
        )
        if not job.payload.all_customers:
            query = query.where(Report.owner_user_id == user)
        customers: dict[str, list[dict[str, str | None]]] = {}
        for name, ref, url in session.execute(query.order_by(Report.customer_name)).all():
            tickets = customers.setdefault(str(name), [])
            if ref:
                tickets.append({"ref": ref, "url": url})
        context = {
            "issue": {"key": row.issue_key, "url": row.url},
            "what": job.payload.what,
            "detail": job.payload.detail,
            "incident": {
                "id": incident.id,
                "title": incident.title,
                "channel_id": incident.channel_id,
            },
            "customers": [{"name": n, "tickets": t} for n, t in customers.items()],
            "liaison": job.payload.all_customers,
        }
    rt.notifier.dm(user, rt.renderer.render("backlog/follow_up.j2", **context))
    return Outcome.sent
