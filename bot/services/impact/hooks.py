"""How the impact summary follows the incident lifecycle.

``install`` subscribes to the incident lifecycle: a report schedules a (debounced) live
summary refresh and starts the periodic full summary; a severity change refreshes the
live summary and re-times the periodic one; a ticket breaching or being answered refreshes
the live summary's SLA exposure; resolution posts the final count.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from bot import jobs
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.runtime import Runtime
from bot.services.impact import live, periodic
from bot.services.impact.periodic import FULL_KIND, FullPayload


def install(rt: Runtime) -> None:
    rt.hooks.subscribe(Lifecycle.report_attached, partial(_on_report_attached, rt))
    rt.hooks.subscribe(Lifecycle.severity_changed, partial(_on_severity_changed, rt))
    rt.hooks.subscribe(Lifecycle.resolved, partial(_on_resolved, rt))
    rt.hooks.subscribe(Lifecycle.reopened, partial(_on_reopened, rt))
    for ticket_change in (Lifecycle.report_breached, Lifecycle.report_responded):
        rt.hooks.subscribe(ticket_change, partial(_on_ticket_sla_changed, rt))
    rt.dispatcher.declare(live.REFRESH_KIND, partial(live.handle_refresh, rt))
    rt.dispatcher.declare(live.PIN_KIND, partial(live.handle_pin, rt))
    rt.dispatcher.declare(FULL_KIND, partial(periodic.handle_full, rt))
    rt.dispatcher.declare(periodic.CHART_KIND, partial(periodic.handle_chart, rt))


def _on_report_attached(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    incident = event.incident
    live.schedule_refresh(session, rt.settings, incident, event.now)
    if not periodic.chain_running(session, incident.id):
        interval = periodic.update_interval(rt.settings, incident.severity)
        periodic.schedule_full(
            session,
            incident_id=incident.id,
            due=event.now + interval,
            now=event.now,
            payload=FullPayload(),
        )


def _on_ticket_sla_changed(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """A ticket breached or answered changes the SLA exposure the live summary shows."""
    if event.incident.summary_ts:
        live.schedule_refresh(session, rt.settings, event.incident, event.now)


def _on_severity_changed(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """The hint and the severity shown change; a shorter cadence brings the next post forward."""
    incident = event.incident
    if incident.summary_ts:
        live.schedule_refresh(session, rt.settings, incident, event.now)
    sooner = event.now + periodic.update_interval(rt.settings, incident.severity)
    # The final post (at resolution) is due at once, so only chain links move.
    jobs.reschedule(session, FULL_KIND, incident_id=incident.id, due_at=sooner, sooner_only=True)


def _on_resolved(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """Stop the cadence chain and post the final count (if anyone reported)."""
    incident = event.incident
    jobs.cancel(session, FULL_KIND, now=event.now, incident_id=incident.id)
    if periodic.report_count(session, incident.id):
        periodic.schedule_full(
            session,
            incident_id=incident.id,
            due=event.now,
            now=event.now,
            payload=FullPayload(final=True),
            tag="final:",
        )
    if incident.summary_ts:
        live.schedule_refresh(session, rt.settings, incident, event.now)


def _on_reopened(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    incident = event.incident
    jobs.cancel(session, FULL_KIND, now=event.now, incident_id=incident.id)
    if periodic.report_count(session, incident.id):
        interval = periodic.update_interval(rt.settings, incident.severity)
        periodic.schedule_full(
            session,
            incident_id=incident.id,
            due=event.now + interval,
            now=event.now,
            payload=FullPayload(),
        )
    if incident.summary_ts:
        live.schedule_refresh(session, rt.settings, incident, event.now)
