"""What people do with the role: accept it, hand it off, name a liaison by hand, ask who.

Each is one transaction with the incident locked and compare-and-set transitions, so a
click racing the accept timeout (or two people assigning at once) has one winner and the
loser gets an explanation instead of a corrupted history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import FieldErrors, InvalidInput, InvalidTransition, NotFound, NotPermitted
from bot.models import Incident
from bot.rendering import slack_date
from bot.runtime import Runtime
from bot.services.liaison import records
from bot.services.liaison.assign import update_announcement
from bot.services.liaison.kinds import (
    AnnouncePayload,
    Reason,
    cancel_timeouts,
    roles_changed,
    schedule_delivery,
)
from bot.services.liaison.messages import Rendered, checklist
from bot.services.liaison.records import ACTIVE, AssignmentView, Status
from bot.slack.client import SlackDeliveryError

HISTORY_SHOWN = 20


@dataclass(frozen=True)
class Accepted:
    assignment: AssignmentView
    late: bool  # accepted after the request had timed out, while nobody held the role


@dataclass(frozen=True)
class Assigned:
    """A liaison named by hand or by hand-off; ``previous`` held the role until now."""

    incident_id: int
    user_id: str
    previous: str | None


@dataclass(frozen=True)
class Who:
    incident_id: int
    current: AssignmentView | None
    history: list[AssignmentView]
    hidden: int


def accept(rt: Runtime, *, assignment_id: int, user_id: str) -> Accepted:
    """Record that the asked person accepts (the time feeds MTTA)."""
    now = rt.clock.now()
    try:
        with rt.sessions.begin() as session:
            view = _load(session, assignment_id)
            if view.user_id != user_id:
                raise NotPermitted(
                    f"Only <@{view.user_id}> can accept this: the request was made to them. "
                    f"To take the role yourself, run `/liaison assign <@{user_id}>` in "
                    f"<#{view.channel_id}>."
                )
            incident = records.lock_incident(session, view.incident_id)
            current = records.current_liaison(session, view.incident_id)
            if view.status == Status.accepted:
                raise InvalidTransition(
                    f"You already accepted the Customer Liaison role for incident "
                    f"#{view.incident_id} ({slack_date(view.accepted_at or now)})."
                )
            allowed = [Status.pending.value]
            if view.status == Status.timed_out and current is None:
                allowed.append(Status.timed_out.value)  # late, but nobody else holds it
            if not records.transition(
                session,
                assignment_id,
                allowed_from=allowed,
                to=Status.accepted,
                accepted_at=now,
                ended_at=None,
            ):
                raise InvalidTransition(_ended(view, current))
            cancel_timeouts(session, incident_id=view.incident_id, now=now)
            if incident is not None:
                roles_changed(session, rt, incident, now, user_id)
            accepted = _load(session, assignment_id)
    except IntegrityError as exc:
        raise InvalidTransition(
            "Someone else took the Customer Liaison role at the same moment. "
            "Run `/liaison who` to see who holds it."
        ) from exc
    update_announcement(rt, accepted, status=Status.accepted.value)
    return Accepted(accepted, late=view.status == Status.timed_out)


def _ended(view: AssignmentView, current: records.LiaisonAssignment | None) -> str:
    holder = f" <@{current.user_id}> holds it now." if current else ""
    reasons = {
        Status.timed_out: "it timed out because it was not accepted in time, and someone else "
        "was asked.",
        Status.handed_off: "you handed the role off.",
        Status.replaced: "someone named another liaison.",
        Status.released: "the incident was reopened and the role asked again.",
        Status.unreachable: "you could not be added to the incident channel.",
    }
    why = reasons.get(Status(view.status), "it is no longer open.")
    return (
        f"This Customer Liaison request for incident #{view.incident_id} has ended: {why}{holder}"
    )


def checklist_message(rt: Runtime, assignment_id: int) -> Rendered:
    """The liaison's checklist as it reads now (after accepting: without the buttons)."""
    with rt.sessions() as session:
        view = _load(session, assignment_id)
        return checklist(rt, session, view, None)


def prepare_hand_off(rt: Runtime, *, assignment_id: int, user_id: str) -> AssignmentView:
    """The assignment ``user_id`` may hand off, or the reason they may not."""
    with rt.sessions() as session:
        view = _load(session, assignment_id)
        current = records.current_liaison(session, view.incident_id)
    if view.user_id != user_id:
        raise NotPermitted(
            f"Only <@{view.user_id}> can hand off this role. To name someone else, run "
            f"`/liaison assign @someone` in <#{view.channel_id}>."
        )
    if not view.is_active:
        raise InvalidTransition(_ended(view, current))
    return view


def validate_hand_off(
    rt: Runtime, *, assignment_id: int, from_user: str, to_user: str
) -> AssignmentView:
    """Check a hand-off before it is accepted; FieldErrors keyed ``user`` for the modal."""
    with rt.sessions() as session:
        view = _load(session, assignment_id)
    if view.user_id != from_user or not view.is_active:
        raise FieldErrors({"user": "The role is no longer yours to hand off; see /liaison who."})
    if not to_user:
        raise FieldErrors({"user": "Pick who takes over."})
    if to_user == from_user:
        raise FieldErrors({"user": "Pick someone else: you hold the role already."})
    problem = _unusable(rt, to_user)
    if problem:
        raise FieldErrors({"user": problem})
    return view


def _unusable(rt: Runtime, user_id: str) -> str | None:
    """Why this person cannot be liaison, in words; None if they can."""
    try:
        user = rt.notifier.user(user_id)
    except SlackDeliveryError as exc:
        if exc.permanent:
            return f"Slack does not know that person ({exc.error})."
        return f"Slack did not answer when I looked them up ({exc.error}); try again."
    if user.deleted:
        return f"{user.name} is deactivated."
    if user.is_bot:
        return f"{user.name} is an app, not a person."
    return None


def hand_off(
    rt: Runtime, *, assignment_id: int, from_user: str, to_user: str, note: str | None
) -> Assigned:
    """Give the role to a colleague; they are invited, announced and sent the checklist."""
    now = rt.clock.now()
    note = (note or "").strip()[:1000] or None
    try:
        with rt.sessions.begin() as session:
            view = _load(session, assignment_id)
            if view.user_id != from_user:
                raise NotPermitted(f"Only <@{view.user_id}> can hand off this role.")
            incident = records.lock_incident(session, view.incident_id)
            if incident is None or not records.transition(
                session, assignment_id, allowed_from=ACTIVE, to=Status.handed_off, ended_at=now
            ):
                current = records.current_liaison(session, view.incident_id)
                raise InvalidTransition(_ended(view, current))
            _start(
                session,
                rt,
                incident,
                to_user,
                by=from_user,
                note=note,
                reason=Reason.hand_off,
                previous=from_user,
            )
    except IntegrityError as exc:
        raise InvalidTransition("Someone else changed the liaison at the same moment.") from exc
    update_announcement(rt, view, status=Status.handed_off.value, successor=to_user)
    rt.wake()
    return Assigned(view.incident_id, to_user, from_user)


def assign_manually(rt: Runtime, *, incident_id: int, user_id: str, actor: str) -> Assigned:
    """``/liaison assign @user``: anyone in the channel may name the liaison; recorded."""
    problem = _unusable(rt, user_id)
    if problem:
        raise InvalidInput(problem)
    now = rt.clock.now()
    replaced: AssignmentView | None = None
    try:
        with rt.sessions.begin() as session:
            incident = records.lock_incident(session, incident_id)
            if incident is None:
                raise NotFound(f"Incident #{incident_id} does not exist.")
            current = records.current_liaison(session, incident_id)
            if current is not None and current.user_id == user_id:
                state = "accepted" if current.status == Status.accepted else "asked, not accepted"
                raise InvalidTransition(
                    f"<@{user_id}> is already the Customer Liaison for incident "
                    f"#{incident_id} ({state})."
                )
            if current is not None:
                replaced = records.view_of(current, incident)
                if not records.transition(
                    session, current.id, allowed_from=ACTIVE, to=Status.replaced, ended_at=now
                ):
                    raise InvalidTransition("The liaison changed meanwhile; try again.")
            _start(
                session,
                rt,
                incident,
                user_id,
                by=actor,
                note=None,
                reason=Reason.manual,
                previous=replaced.user_id if replaced else None,
            )
    except IntegrityError as exc:
        raise InvalidTransition("Someone else changed the liaison at the same moment.") from exc
    if replaced is not None:
        update_announcement(
            rt, replaced, status=Status.replaced.value, successor=user_id, actor=actor
        )
    rt.wake()
    return Assigned(incident_id, user_id, replaced.user_id if replaced else None)


def _start(
    session: Session,
    rt: Runtime,
    incident: Incident,
    user_id: str,
    *,
    by: str,
    note: str | None,
    reason: Reason,
    previous: str | None,
) -> None:
    """Insert the new assignment (accepted at once when people name themselves)."""
    now = rt.clock.now()
    cancel_timeouts(session, incident_id=incident.id, now=now)
    assignment = records.insert(
        session, incident_id=incident.id, user_id=user_id, assigned_by=by, now=now, note=note
    )
    if by == user_id:
        assignment.status = Status.accepted.value
        assignment.accepted_at = now
        session.flush()
    payload = AnnouncePayload(assignment_id=assignment.id, reason=reason, previous_user=previous)
    schedule_delivery(
        session, rt, assignment=assignment, incident=incident, payload=payload, now=now
    )
    roles_changed(session, rt, incident, now, previous)


def who(rt: Runtime, incident_id: int) -> Who:
    """The current liaison and the latest history (oldest first)."""
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        rows = records.history(session, incident_id)
        views = [records.view_of(row, incident) for row in rows]
    current = next((v for v in views if v.status in ACTIVE), None)
    hidden = max(0, len(views) - HISTORY_SHOWN)
    return Who(incident_id, current, views[hidden:], hidden)


def _load(session: Session, assignment_id: int) -> AssignmentView:
    view = records.load_view(session, assignment_id)
    if view is None:
        raise NotFound("That Customer Liaison request no longer exists.")
    return view
