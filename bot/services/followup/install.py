"""Wires the follow-up capability into a runtime: what an incident's resolution sets off.

When an incident resolves, in the resolution's transaction: its customers go on the
follow-up board (the reporters, then the affected VIPs who did not write in), the SLA
credits it owes are written, and the liaison's reminder about untold customers is
scheduled. Severity changes are recorded for the drafted report.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import SeverityChange
from bot.runtime import Runtime
from bot.services.followup import affected, board, credits, reminder


def record_severity_change(session: Session, event: LifecycleEvent) -> None:
    session.add(
        SeverityChange(
            incident_id=event.incident.id,
            previous=event.previous_severity or event.incident.severity,
            severity=event.incident.severity,
            changed_by=event.actor,
            changed_at=event.now,
        )
    )


def install(rt: Runtime) -> None:
    rt.hooks.subscribe(Lifecycle.resolved, board.fill_on_resolution)
    rt.hooks.subscribe(
        Lifecycle.resolved, partial(affected.add_on_resolution, settings=rt.settings)
    )
    rt.hooks.subscribe(
        Lifecycle.resolved, partial(credits.compute_on_resolution, terms=rt.settings.sla_credits)
    )
    rt.hooks.subscribe(Lifecycle.resolved, partial(reminder.schedule_on_resolution, rt=rt))
    rt.hooks.subscribe(Lifecycle.severity_changed, record_severity_change)
    rt.dispatcher.declare(reminder.UNTOLD, partial(reminder.remind_untold, rt))
