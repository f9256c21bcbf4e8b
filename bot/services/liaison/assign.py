"""Choosing the liaison: the first automatic assignment, reopen, and moving on.

The pool and the members' profiles are read, and the choice made, outside any transaction
(Web API calls never hold a database lock); the insert then happens in a transaction that
locks the incident and re-checks that the role is still unfilled. Should two replicas
still race, the unique indexes reject the second insert and its whole transaction (with
its reminders) is dropped, so an incident never gets two liaisons at once nor two
automatic ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.dispatcher import Outcome
from bot.jobs import Job
from bot.models import Incident
from bot.runtime import Runtime
from bot.services.liaison import records
from bot.services.liaison.kinds import (
    AnnouncePayload,
    AssignPayload,
    Reason,
    cancel_timeouts,
    roles_changed,
    schedule_delivery,
    schedule_notice,
)
from bot.services.liaison.messages import closed_announcement
from bot.services.liaison.pool import (
    Choice,
    Pool,
    PoolProblem,
    ProfileReader,
    WorkingHours,
    choose,
    read_pool,
)
from bot.services.liaison.records import ACTIVE, AUTO, Status
from bot.slack.client import SlackDeliveryError

log = logging.getLogger(__name__)

# A pool that cannot be read for a transient reason is tried this many times (with the
# dispatcher's backoff: about 3.5 minutes) before the channel is told nobody was named.
POOL_ATTEMPTS = 4


def handle_assign(rt: Runtime, reminder: Job[Any]) -> Outcome:
    """``liaison.assign``: name a liaison for an incident that became major or reopened."""
    payload: AssignPayload = reminder.payload
    incident_id = reminder.incident_id
    if incident_id is None:
        return Outcome.obsolete
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or _served(session, incident, payload):
            return Outcome.obsolete
    # Only a first assignment leaves the incident without anyone: then a retry is worth saying.
    pool = _read_pool(rt, reminder, incident, say_retrying=payload.reason is Reason.major)
    pick = _pick(rt, incident_id, pool, prefer=payload.prefer)
    try:
        with rt.sessions.begin() as session:
            incident = records.lock_incident(session, incident_id)
            if incident is None or _served(session, incident, payload):
                return Outcome.obsolete
            if payload.reason is Reason.reopen:
                _release_for_reopen(session, rt, incident)
            fill_role(
                session,
                rt,
                incident=incident,
                pick=pick,
                reason=payload.reason,
                notice_key=f"nobody:{reminder.id}",
            )
    except IntegrityError:
        log.info("Incident #%s got its liaison from a concurrent assignment", incident_id)
        return Outcome.obsolete
    return Outcome.sent


@dataclass(frozen=True)
class Pick:
    """The outcome of choosing: someone to ask, or why nobody (and the pool's details)."""

    choice: Choice | None
    pool: Pool
    nobody: str = ""  # not_configured | unreadable | empty | exhausted


def _pick(rt: Runtime, incident_id: int, pool: Pool, *, prefer: str | None = None) -> Pick:
    """Choose outside any transaction, so Web API lookups never hold a database lock.

    The insert that follows re-checks under lock; two incidents choosing at the same
    instant may both pick the same free member, which fairness tolerates.
    """
    ids = list(pool.ids)
    considered = [*ids, prefer] if prefer and prefer not in ids else ids
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return Pick(None, pool, PoolProblem.empty.value)
        busy = records.busy_elsewhere(session, considered, incident_id)
        last = records.last_assigned(session, ids)
        asked = records.asked_this_round(session, incident)
    choice = choose(
        ids,
        ProfileReader(rt.notifier),
        now=rt.clock.now(),
        hours=WorkingHours.from_settings(rt.settings),
        busy=busy,
        last_assigned=last,
        exclude=asked,
        prefer=prefer,
    )
    if choice is not None:
        return Pick(choice, pool)
    if pool.problem is not None:
        return Pick(None, pool, pool.problem.value)
    return Pick(None, pool, "exhausted" if asked & set(ids) else PoolProblem.empty.value)


def _served(session: Session, incident: Incident, payload: AssignPayload) -> bool:
    """Whether this trigger has nothing left to do (never a second automatic liaison)."""
    if not incident.is_open:
        return True
    current = records.current_liaison(session, incident.id)
    if payload.reason is Reason.reopen:
        # Someone named a liaison by hand after the reopen: that choice stands.
        since = incident.reopened_at or incident.opened_at
        return current is not None and current.assigned_at >= since
    return current is not None or records.has_automatic(session, incident.id)


def _release_for_reopen(session: Session, rt: Runtime, incident: Incident) -> None:
    current = records.current_liaison(session, incident.id)
    if current is None:
        return
    now = rt.clock.now()
    records.transition(session, current.id, allowed_from=ACTIVE, to=Status.released, ended_at=now)
    cancel_timeouts(session, incident_id=incident.id, now=now)
    roles_changed(session, rt, incident, now, current.user_id)


def handle_accept_timeout(rt: Runtime, reminder: Job[Any]) -> Outcome:
    """``liaison.accept_timeout``: nobody accepted in time, so ask the next member."""
    assignment_id = reminder.payload.assignment_id
    return advance(
        rt,
        reminder,
        assignment_id=assignment_id,
        allowed_from=(Status.pending,),
        ended=Status.timed_out,
        reason=Reason.after_timeout,
    )


def advance(
    rt: Runtime,
    reminder: Job[Any],
    *,
    assignment_id: int,
    allowed_from: tuple[str, ...],
    ended: Status,
    reason: Reason,
    error: str | None = None,
) -> Outcome:
    """End an assignment that did not work out and ask the next member of the pool."""
    with rt.sessions() as session:
        view = records.load_view(session, assignment_id)
        incident = session.get(Incident, view.incident_id) if view else None
    if view is None or incident is None or view.status not in allowed_from:
        return Outcome.obsolete
    if ended is Status.timed_out and not view.incident_open:
        return Outcome.obsolete  # resolved meanwhile: the liaison stays on record
    pick = None
    if view.incident_open:
        # While retrying, the person asked keeps the role and may still accept.
        pick = _pick(rt, incident.id, _read_pool(rt, reminder, incident, say_retrying=False))
    now = rt.clock.now()
    try:
        with rt.sessions.begin() as session:
            incident = records.lock_incident(session, view.incident_id)
            if incident is None or not records.transition(
                session, assignment_id, allowed_from=allowed_from, to=ended, ended_at=now
            ):
                return Outcome.obsolete
            cancel_timeouts(session, incident_id=incident.id, now=now)
            roles_changed(session, rt, incident, now, view.user_id)
            choice = None
            if incident.is_open and pick is not None:
                choice = fill_role(
                    session,
                    rt,
                    incident=incident,
                    pick=pick,
                    reason=reason,
                    previous_user=view.user_id,
                    previous_error=error,
                    notice_key=f"nobody:{reminder.id}",
                )
    except IntegrityError:
        return Outcome.obsolete
    update_announcement(rt, view, status=ended.value, successor=choice.user_id if choice else None)
    return Outcome.sent


def fill_role(
    session: Session,
    rt: Runtime,
    *,
    incident: Incident,
    pick: Pick,
    reason: Reason,
    notice_key: str,
    previous_user: str | None = None,
    previous_error: str | None = None,
) -> Choice | None:
    """Insert the chosen liaison with its reminders; or tell people nobody could be named.

    Runs inside the caller's transaction with the incident locked.
    """
    now = rt.clock.now()
    choice = pick.choice
    if choice is None:
        _tell_nobody(session, rt, incident, pick, notice_key)
        return None
    assignment = records.insert(
        session, incident_id=incident.id, user_id=choice.user_id, assigned_by=AUTO, now=now
    )
    payload = AnnouncePayload(
        assignment_id=assignment.id,
        reason=reason,
        previous_user=previous_user,
        previous_error=previous_error,
        concerns=choice.concerns(),
    )
    schedule_delivery(
        session, rt, assignment=assignment, incident=incident, payload=payload, now=now
    )
    if previous_user is not None:
        schedule_notice(
            session,
            rt,
            incident=incident,
            key=f"moved:{assignment.id}",
            now=now,
            escalation_text=rt.renderer.render(
                "liaison/escalation_moved.j2",
                liaison=choice.user_id,
                previous_user=previous_user,
                previous_error=previous_error,
                accept_timeout=rt.settings.liaison_accept_timeout,
                incident=_incident_context(incident),
            ),
        )
    return choice


def _tell_nobody(session: Session, rt: Runtime, incident: Incident, pick: Pick, key: str) -> None:
    problem = pick.nobody or "exhausted"
    if problem == PoolProblem.not_configured and not rt.settings.liaison_escalation:
        # Neither a pool nor an escalation contact: the capability is not set up here.
        log.warning("Incident #%s is major but no liaison pool is configured", incident.id)
        return
    since = incident.reopened_at or incident.opened_at
    asked = [a.user_id for a in records.history(session, incident.id) if a.assigned_at >= since]
    context = {
        "incident": _incident_context(incident),
        "problem": problem,
        "detail": pick.pool.detail,
        "retrying": False,
        "asked": list(dict.fromkeys(asked)),
        "escalation": rt.settings.liaison_escalation,
    }
    schedule_notice(
        session,
        rt,
        incident=incident,
        key=key,
        now=rt.clock.now(),
        channel_text=rt.renderer.render("liaison/nobody.j2", audience="channel", **context),
        escalation_text=rt.renderer.render("liaison/nobody.j2", audience="escalation", **context),
    )
    log.warning("Incident #%s has no liaison: %s %s", incident.id, problem, pick.pool.detail)


def _read_pool(rt: Runtime, reminder: Job[Any], incident: Incident, *, say_retrying: bool) -> Pool:
    """The pool; a transient failure is retried a few times (by raising), said once if
    ``say_retrying``; after the last attempt the caller says nobody could be named."""
    pool = read_pool(rt.settings, rt.notifier)
    if pool.problem is not PoolProblem.unreadable or not pool.transient:
        return pool
    if reminder.attempts >= POOL_ATTEMPTS:
        return pool  # give up: fill_role says nobody could be named, and why
    if say_retrying and reminder.attempts == 1:
        context = {
            "incident": _incident_context(incident),
            "problem": pool.problem.value,
            "detail": pool.detail,
            "retrying": True,
            "asked": [],
            "escalation": rt.settings.liaison_escalation,
        }
        with rt.sessions.begin() as session:
            schedule_notice(
                session,
                rt,
                incident=incident,
                key=f"pool_retrying:{reminder.id}",
                now=rt.clock.now(),
                channel_text=rt.renderer.render("liaison/nobody.j2", audience="channel", **context),
                escalation_text=rt.renderer.render(
                    "liaison/nobody.j2", audience="escalation", **context
                ),
            )
    raise SlackDeliveryError("usergroups.users.list", pool.detail, permanent=False)


def _incident_context(incident: Incident) -> dict[str, object]:
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "channel_id": incident.channel_id,
        "is_open": incident.is_open,
    }


def update_announcement(
    rt: Runtime,
    view: records.AssignmentView,
    *,
    status: str,
    successor: str | None = None,
    actor: str | None = None,
) -> None:
    """Edit the assignment's channel announcement in place; a failure only costs freshness."""
    if not view.announcement_ts or not view.channel_id:
        return
    rendered = closed_announcement(rt, view, status=status, successor=successor, actor=actor)
    try:
        rt.notifier.update(view.channel_id, view.announcement_ts, rendered.text, rendered.blocks)
    except SlackDeliveryError as exc:
        log.warning("Could not update liaison announcement %s: %s", view.id, exc.error)
