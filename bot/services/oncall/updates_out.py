"""Liaison to PagerDuty: customer-facing updates become status updates (or notes, per
``PAGERDUTY_UPDATES_AS``) on the linked PagerDuty incidents, and resolving in Liaison
resolves the PagerDuty incident that opened it when ``PAGERDUTY_RESOLVE_FROM_LIAISON``
allows. Both are jobs written in the transaction of the update or the resolution."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.integrations.pagerduty.client import PagerDutyClient
from bot.jobs import Job, Outcome
from bot.lifecycle import LifecycleEvent
from bot.models import PagerDutyIncident, StatusUpdate
from bot.runtime import Runtime
from bot.services.oncall.kinds import RESOLVE, UPDATE, UpdatePayload
from bot.services.oncall.sync import ACTOR


def on_update_posted(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    if event.status_update_id is None:
        return
    linked = session.scalars(
        select(PagerDutyIncident.external_id).where(
            PagerDutyIncident.incident_id == event.incident.id,
            PagerDutyIncident.status != "resolved",
        )
    ).all()
    for external_id in linked:
        jobs.schedule(
            session, UPDATE, UpdatePayload(status_update_id=event.status_update_id),
            key=f"{event.status_update_id}:{external_id}", due_at=event.now, now=event.now,
            incident_id=event.incident.id, target=external_id,
        )  # fmt: skip


def on_resolved(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    if not rt.settings.pagerduty_resolve_from_liaison or event.actor == ACTOR:
        return  # off by default; never echo PagerDuty's own resolution back to it
    origins = session.scalars(
        select(PagerDutyIncident.external_id).where(
            PagerDutyIncident.incident_id == event.incident.id,
            PagerDutyIncident.role == "origin",
            PagerDutyIncident.status != "resolved",
        )
    ).all()
    for external_id in origins:
        jobs.schedule(
            session, RESOLVE, key=f"{external_id}:{event.now.isoformat()}", due_at=event.now,
            now=event.now, incident_id=event.incident.id, target=external_id,
        )  # fmt: skip


def send_update(rt: Runtime, client: PagerDutyClient, job: Job[Any]) -> Outcome:
    with rt.sessions() as session:
        update = session.get(StatusUpdate, job.payload.status_update_id)
        if update is None:
            return Outcome.obsolete
        message = update.customer_message
    if rt.settings.pagerduty_updates_as == "notes":
        client.add_note(str(job.target), f"Customer update ({update.status}): {message}")
    else:
        client.add_status_update(str(job.target), message)
    return Outcome.sent


def resolve(rt: Runtime, client: PagerDutyClient, job: Job[Any]) -> Outcome:
    client.resolve(str(job.target))
    return Outcome.sent
