"""Wires the liaison into the incident lifecycle and binds its job kinds' handlers.

Subscribers only write reminders, inside the transaction of the change that caused them;
all Web API work happens in the reminder handlers, after the commit.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlalchemy.orm import Session

from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.runtime import Runtime
from bot.services.liaison import kinds, records
from bot.services.liaison.assign import handle_accept_timeout, handle_assign
from bot.services.liaison.delivery import (
    handle_announce,
    handle_channel_notice,
    handle_checklist,
    handle_escalate,
)
from bot.services.liaison.kinds import AssignPayload, Reason, cancel_timeouts, schedule_assign

log = logging.getLogger(__name__)


def install(rt: Runtime) -> None:
    settings = rt.settings
    if not settings.liaison_usergroup and not settings.liaison_users:
        log.warning(
            "No liaison pool (LIAISON_USERGROUP, LIAISON_USERS): major incidents get no "
            "automatic Customer Liaison%s",
            "; LIAISON_ESCALATION is told each time" if settings.liaison_escalation else "",
        )
    rt.hooks.subscribe(Lifecycle.became_major, on_became_major)
    rt.hooks.subscribe(Lifecycle.reopened, partial(on_reopened, rt))
    rt.hooks.subscribe(Lifecycle.resolved, on_resolved)
    declare = rt.dispatcher.declare
    declare(kinds.ASSIGN, partial(handle_assign, rt))
    declare(kinds.ANNOUNCE, partial(handle_announce, rt))
    declare(kinds.CHECKLIST, partial(handle_checklist, rt))
    declare(kinds.ACCEPT_TIMEOUT, partial(handle_accept_timeout, rt))
    declare(kinds.CHANNEL_NOTICE, partial(handle_channel_notice, rt))
    declare(kinds.ESCALATE, partial(handle_escalate, rt))


def on_became_major(session: Session, event: LifecycleEvent) -> None:
    """Opened as, declared as or raised to major: name a liaison now (once per incident)."""
    schedule_assign(
        session, incident=event.incident, now=event.now, key="major", payload=AssignPayload()
    )


def on_reopened(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    """Ask the incident's last liaison again first; a major incident without one gets one."""
    incident = event.incident
    last = records.latest(session, incident.id)
    if last is None and incident.severity not in rt.settings.major_severities:
        return
    schedule_assign(
        session,
        incident=incident,
        now=event.now,
        key=f"reopen:{event.now.isoformat()}",
        payload=AssignPayload(reason=Reason.reopen, prefer=last.user_id if last else None),
    )


def on_resolved(session: Session, event: LifecycleEvent) -> None:
    """Resolved: the liaison stays on record, but nobody is chased to accept any more."""
    cancel_timeouts(session, incident_id=event.incident.id, now=event.now)
