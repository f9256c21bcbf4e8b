"""The ``pagerduty.sync`` job: the Liaison incident follows its PagerDuty incident.

It reads the state the webhook recorded and makes the Liaison side match: a PagerDuty
incident Liaison follows gets its own channel (created by Liaison, named from
``PAGERDUTY_CHANNEL_NAME``) and an incident opened through the incident service, so the
liaison is assigned and every capability reacts as for a channel opened by hand; a new
priority changes the severity; resolved in PagerDuty resolves, reopened reopens; an
acknowledgement is told in the channel once. Running it twice changes nothing more.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.errors import InvalidTransition
from bot.jobs import Job, JobFailure, Outcome
from bot.models import Incident, PagerDutyEscalation, PagerDutyIncident
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.oncall.inbound import severity_for
from bot.services.oncall.kinds import ANNOUNCE, NOTICE, REASSIGN, Notice
from bot.services.oncall.messages import new_assignees
from bot.slack.errors import NameTaken

ACTOR = "pagerduty"  # who resolved/reopened, as stored on the incident
_NAME_LIMIT = 80
# Attempts that wait for a concurrent run to finish creating the channel it named.
_WAITS_FOR_CHANNEL = 3


class ChannelBusy(JobFailure):
    """The channel's name is taken, most likely by a run for the same incident that has
    not committed yet: try again shortly."""

    permanent = False
    retry_after = 5.0


@dataclass(frozen=True)
class LinkState:
    external_id: str
    role: str
    incident_id: int | None
    number: int | None
    title: str
    status: str
    priority: str | None
    applied_priority: str | None
    acknowledged_by: str | None
    acknowledged_told: bool
    reassigned: bool  # assignees the channel has not been told of


def channel_name(pattern: str, number: int | None, title: str, attempt: int = 1) -> str:
    """Slack's rules: lower case, letters, digits, ``-`` and ``_``, at most 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "incident"
    name = pattern.format(number=number or 0, title=slug)
    name = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    suffix = f"-{attempt}" if attempt > 1 else ""
    return name[: _NAME_LIMIT - len(suffix)].rstrip("-") + suffix


def sync(rt: Runtime, job: Job[Any]) -> Outcome:
    state = _state(rt, str(job.target))
    if state is None:
        return Outcome.obsolete
    if state.incident_id is None:
        if state.role != "origin" or state.status == "resolved":
            return Outcome.obsolete  # resolved before anything was opened: nothing to open
        _open(rt, state, job)
        state = _state(rt, state.external_id)
        if state is None or state.incident_id is None:
            return Outcome.obsolete
    _follow(rt, state)
    return Outcome.sent


def _state(rt: Runtime, external_id: str) -> LinkState | None:
    with rt.sessions() as session:
        row = session.scalars(
            select(PagerDutyIncident).where(PagerDutyIncident.external_id == external_id)
        ).one_or_none()
        if row is None:
            return None
        return LinkState(
            external_id=row.external_id,
            role=row.role,
            incident_id=row.incident_id,
            number=row.number,
            title=row.title,
            status=row.status,
            priority=row.priority,
            applied_priority=row.applied_priority,
            acknowledged_by=row.acknowledged_by,
            acknowledged_told=row.acknowledged_told_at is not None,
            reassigned=bool(new_assignees(row)),
        )


def _open(rt: Runtime, state: LinkState, job: Job[Any]) -> None:
    settings = rt.settings
    title = state.title or f"PagerDuty incident {state.number or state.external_id}"
    attempt = 1
    while True:
        name = channel_name(settings.pagerduty_channel_name, state.number, title, attempt)
        try:
            channel_id = rt.notifier.create_channel(name)
            break
        except NameTaken as exc:
            if job.attempts <= _WAITS_FOR_CHANNEL and attempt == 1:
                raise ChannelBusy(f"channel {name} exists; waiting for its incident") from exc
            attempt += 1
            if attempt > 9:
                raise
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = session.scalars(
            select(PagerDutyIncident)
            .where(PagerDutyIncident.external_id == state.external_id)
            .with_for_update()
        ).one()
        if row.incident_id is not None:
            return  # another run opened it meanwhile
        incident = incidents.open_in_channel(
            session,
            rt,
            channel_id=channel_id,
            channel_name=name,
            title=title,
            severity=severity_for(settings, row.priority),
        )
        row.incident_id = incident.id
        row.applied_priority = row.priority
        jobs.schedule(
            session, ANNOUNCE, key=row.external_id, due_at=now, now=now,
            incident_id=incident.id, target=row.external_id,
        )  # fmt: skip
    rt.wake()


def _follow(rt: Runtime, state: LinkState) -> None:
    assert state.incident_id is not None
    incident_id = state.incident_id
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        is_open, resolved_by, severity = incident.is_open, incident.resolved_by, incident.severity
    if state.role == "origin":
        if state.priority != state.applied_priority:
            _apply_priority(rt, state, severity)
        if state.status == "resolved" and is_open:
            _resolve(rt, state)
        elif state.status != "resolved" and not is_open and resolved_by == ACTOR:
            _reopen(rt, state)
    if state.status == "acknowledged" and not state.acknowledged_told:
        _tell_acknowledged(rt, state)
    if state.reassigned and state.status != "resolved":
        _schedule_reassign(rt, state)


def _schedule_reassign(rt: Runtime, state: LinkState) -> None:
    """New assignees: one folded run invites them and tells the channel (reassign.py)."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        jobs.fold(
            session, REASSIGN, due_at=now, now=now, incident_id=state.incident_id,
            target=state.external_id,
        )  # fmt: skip
    rt.wake()


def _apply_priority(rt: Runtime, state: LinkState, current: str) -> None:
    assert state.incident_id is not None
    target = severity_for(rt.settings, state.priority)
    if target != current:
        with contextlib.suppress(InvalidTransition):
            incidents.change_severity(
                rt, incident_id=state.incident_id, severity=target, actor=ACTOR
            )
        _notice(rt, state, "priority", "oncall/priority_changed.j2",
                {"priority": state.priority or "none", "severity": target})  # fmt: skip
    with rt.sessions.begin() as session:
        row = _row(session, state.external_id)
        row.applied_priority = state.priority


def _resolve(rt: Runtime, state: LinkState) -> None:
    assert state.incident_id is not None
    try:
        incidents.resolve(
            rt, incident_id=state.incident_id, actor=ACTOR, note="Resolved in PagerDuty."
        )
    except InvalidTransition:
        return
    _notice(rt, state, "resolved", "oncall/resolved_in_pagerduty.j2", {}, resolution=True)


def _reopen(rt: Runtime, state: LinkState) -> None:
    assert state.incident_id is not None
    try:
        incidents.reopen(rt, incident_id=state.incident_id, actor=ACTOR)
    except InvalidTransition:
        return
    _notice(rt, state, "reopened", "oncall/reopened_in_pagerduty.j2", {})


def _tell_acknowledged(rt: Runtime, state: LinkState) -> None:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = _row(session, state.external_id)
        if row.acknowledged_told_at is not None or row.status != "acknowledged":
            return
        row.acknowledged_told_at = now
        escalation = (
            session.scalars(
                select(PagerDutyEscalation).where(PagerDutyEscalation.dedup_key == row.incident_key)
            ).first()
            if row.role == "escalation" and row.incident_key
            else None
        )
        if escalation is not None and escalation.acknowledged_at is None:
            escalation.acknowledged_at = now
            escalation.acknowledged_by = row.acknowledged_by
        context = {
            "who": row.acknowledged_by or "the on-call responder",
            "service": row.service_name or "PagerDuty",
            "escalation": escalation is not None,
            "url": row.html_url,
        }
        jobs.schedule(
            session, NOTICE, Notice(template="oncall/acknowledged.j2", context=context),
            key=f"{row.external_id}:ack:{row.last_event_at.isoformat()}", due_at=now, now=now,
            incident_id=row.incident_id,
        )  # fmt: skip
    rt.wake()


def _notice(
    rt: Runtime,
    state: LinkState,
    what: str,
    template: str,
    context: dict[str, object],
    *,
    resolution: bool = False,
) -> None:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = _row(session, state.external_id)
        notice = Notice(template=template, context=context, resolution=resolution)
        jobs.schedule(
            session, NOTICE, notice,
            key=f"{row.external_id}:{what}:{row.last_event_at.isoformat()}", due_at=now,
            now=now, incident_id=row.incident_id,
        )  # fmt: skip
    rt.wake()


def _row(session: Session, external_id: str) -> PagerDutyIncident:
    return session.scalars(
        select(PagerDutyIncident).where(PagerDutyIncident.external_id == external_id)
    ).one()
