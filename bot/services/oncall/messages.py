"""What the on-call capability says in the incident channel: the PagerDuty details when
the channel opens (with the responders invited and the bridge bookmarked), and the short
notices the sync and escalation jobs schedule (acknowledged, resolved, paged...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, Outcome
from bot.lifecycle import LifecycleEvent
from bot.models import Incident, PagerDutyIncident
from bot.runtime import Runtime
from bot.services.oncall.kinds import BRIDGE, REASSIGN, Notice
from bot.slack.oncall_blocks import resolution_blocks


class ResponderDirectory:
    """Who a PagerDuty user is in Slack: their email (PagerDuty REST) looked up in Slack."""

    def __init__(self, rt: Runtime, user_email: Callable[[str], str | None] | None) -> None:
        self._rt = rt
        self._email = user_email  # None without an API key: nobody can be looked up

    def slack_ids(self, pagerduty_user_ids: list[str]) -> list[str]:
        return list(self.matched(pagerduty_user_ids).values())

    def matched(self, pagerduty_user_ids: list[str]) -> dict[str, str]:
        """PagerDuty user id -> Slack user id, for those found in both (in order)."""
        found: dict[str, str] = {}
        for user_id in pagerduty_user_ids:
            email = self._email(user_id) if self._email else None
            slack_id = self._rt.notifier.user_id_by_email(email) if email else None
            if slack_id:
                found[user_id] = slack_id
        return found


@dataclass(frozen=True)
class Bridge:
    url: str | None
    number: str | None

    @property
    def present(self) -> bool:
        return bool(self.url or self.number)


def bridge_for(rt: Runtime, row: PagerDutyIncident | None, incident_id: int) -> Bridge:
    """PagerDuty's conference bridge, else ``CONFERENCE_BRIDGE_URL`` for this incident."""
    if row is not None and (row.conference_url or row.conference_number):
        return Bridge(row.conference_url, row.conference_number)
    template = rt.settings.conference_bridge_url
    return Bridge(template.format(number=incident_id, title="") if template else None, None)


def details_context(rt: Runtime, row: PagerDutyIncident, incident: Incident) -> dict[str, Any]:
    return {
        "pd": {
            "number": row.number,
            "title": row.title,
            "url": row.html_url,
            "service": row.service_name,
            "status": row.status,
            "priority": row.priority,
            "urgency": row.urgency,
            "assignees": [a.get("name") for a in row.assignees or []],
        },
        "bridge": bridge_for(rt, row, incident.id),
        "incident": {"id": incident.id, "severity": incident.severity, "title": incident.title},
    }


def announce(rt: Runtime, directory: ResponderDirectory, job: Job[Any]) -> Outcome:
    """Invite the responders, bookmark the bridge and post the PagerDuty details."""
    with rt.sessions() as session:
        row = session.scalars(
            select(PagerDutyIncident).where(PagerDutyIncident.external_id == job.target)
        ).one_or_none()
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if row is None or incident is None or not incident.channel_id:
            return Outcome.obsolete
        channel = incident.channel_id
        context = details_context(rt, row, incident)
        assignees = assignee_ids(row)
    responders = directory.slack_ids(assignees)
    if responders:
        rt.notifier.invite(channel, responders)
    bridge: Bridge = context["bridge"]
    if bridge.url and not job.reclaimed:
        rt.notifier.add_bookmark(channel, "Conference bridge", bridge.url)
    text = rt.renderer.render("oncall/pagerduty_details.j2", responders=responders, **context)
    posted = rt.notifier.post(channel, text)
    remember_announced(rt, str(job.target), posted.ts, assignees)
    return Outcome.sent


def remember_announced(rt: Runtime, external_id: str, ts: str | None, shown: list[str]) -> None:
    """Keep the details message and the assignees it showed; assignees that changed while
    it was being posted are announced by a reassignment run."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = session.scalars(
            select(PagerDutyIncident)
            .where(PagerDutyIncident.external_id == external_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            return
        if ts:
            row.details_ts = ts
        row.announced_assignees = shown
        if new_assignees(row):
            jobs.fold(
                session, REASSIGN, due_at=now, now=now, incident_id=row.incident_id,
                target=row.external_id,
            )  # fmt: skip
    rt.wake()


def assignee_ids(row: PagerDutyIncident) -> list[str]:
    return [str(a.get("id")) for a in row.assignees or [] if a.get("id")]


def new_assignees(row: PagerDutyIncident) -> list[str]:
    """Assignees the channel has not been told of (none before the details were posted)."""
    if row.announced_assignees is None or row.role != "origin":
        return []
    told = set(row.announced_assignees)
    return [user for user in assignee_ids(row) if user not in told]


def schedule_bridge(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """Lifecycle ``opened``: the bridge of CONFERENCE_BRIDGE_URL for the new incident."""
    jobs.schedule(
        session, BRIDGE, key=str(event.incident.id), due_at=event.now, now=event.now,
        incident_id=event.incident.id,
    )  # fmt: skip


def post_bridge(rt: Runtime, job: Job[Any]) -> Outcome:
    """Bookmark the bridge and say it in the channel; a PagerDuty incident's own details
    message does both (with PagerDuty's bridge when it has one)."""
    with rt.sessions() as session:
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if incident is None or not incident.channel_id:
            return Outcome.obsolete
        origin = session.scalars(
            select(PagerDutyIncident.id).where(
                PagerDutyIncident.incident_id == incident.id, PagerDutyIncident.role == "origin"
            )
        ).first()
        if origin is not None:
            return Outcome.obsolete
        bridge = bridge_for(rt, None, incident.id)
        channel = incident.channel_id
    if not bridge.url:
        return Outcome.obsolete
    if not job.reclaimed:
        rt.notifier.add_bookmark(channel, "Conference bridge", bridge.url)
    rt.notifier.post(channel, rt.renderer.render("oncall/bridge.j2", bridge=bridge))
    return Outcome.sent


def post_notice(rt: Runtime, job: Job[Notice]) -> Outcome:
    with rt.sessions() as session:
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if incident is None or not incident.channel_id:
            return Outcome.obsolete
        channel = incident.channel_id
        base = {"incident": {"id": incident.id, "severity": incident.severity}}
        incident_id = incident.id
    text = rt.renderer.render(job.payload.template, **base, **job.payload.context)
    blocks = resolution_blocks(rt.settings, text, incident_id) if job.payload.resolution else None
    rt.notifier.post(channel, text, blocks)
    return Outcome.sent


def status_context(rt: Runtime, incident_id: int) -> dict[str, Any] | None:
    """What ``/liaison status`` shows of the linked PagerDuty incident (None: no link)."""
    with rt.sessions() as session:
        row = session.scalars(
            select(PagerDutyIncident)
            .where(PagerDutyIncident.incident_id == incident_id)
            .order_by(PagerDutyIncident.role.desc(), PagerDutyIncident.id)
        ).first()
        incident = session.get(Incident, incident_id)
        if incident is None:
            return None
        if row is None:
            bridge = bridge_for(rt, None, incident_id)
            return {"pd": None, "bridge": bridge} if bridge.present else None
        return details_context(rt, row, incident)


def checklist_bridge(rt: Runtime, session: Session, incident_id: int) -> list[str]:
    """The bridge line of the liaison's checklist (none without a bridge)."""
    row = session.scalars(
        select(PagerDutyIncident)
        .where(PagerDutyIncident.incident_id == incident_id)
        .order_by(PagerDutyIncident.role.desc(), PagerDutyIncident.id)
    ).first()
    bridge = bridge_for(rt, row, incident_id)
    if not bridge.present:
        return []
    return [rt.renderer.render("oncall/checklist_bridge.j2", bridge=bridge)]
