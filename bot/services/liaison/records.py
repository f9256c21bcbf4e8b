"""The liaison_assignments table: who holds the role, who held it, and safe transitions.

Every change of status is a compare-and-set UPDATE (``WHERE status IN (...)``), so an
Accept and an accept-timeout racing on two replicas cannot both win, on PostgreSQL as on
SQLite. The partial unique index (one pending/accepted row per incident) and the unique
(incident, attempt) pair make two racing assignments collide in the database itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from bot.models import Incident, LiaisonAssignment

AUTO = "auto"  # assigned_by for choices the app made from the pool


class Status(StrEnum):
    pending = "pending"  # asked, not accepted yet
    accepted = "accepted"
    handed_off = "handed_off"  # gave the role to someone they picked
    replaced = "replaced"  # someone ran /liaison assign for another person
    released = "released"  # the incident reopened and the role was asked again
    timed_out = "timed_out"  # did not accept within LIAISON_ACCEPT_TIMEOUT
    unreachable = "unreachable"  # could not be added to the channel (left the workspace)


ACTIVE: tuple[str, ...] = (Status.pending, Status.accepted)


@dataclass(frozen=True)
class AssignmentView:
    """An assignment and the incident facts shown with it, detached from any session."""

    id: int
    incident_id: int
    user_id: str
    status: str
    assigned_by: str
    assigned_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    note: str | None
    attempt: int
    announcement_ts: str | None
    channel_id: str | None
    incident_title: str
    incident_severity: str
    incident_open: bool

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def automatic(self) -> bool:
        return self.assigned_by == AUTO


def view_of(assignment: LiaisonAssignment, incident: Incident) -> AssignmentView:
    return AssignmentView(
        id=assignment.id,
        incident_id=assignment.incident_id,
        user_id=assignment.user_id,
        status=assignment.status,
        assigned_by=assignment.assigned_by,
        assigned_at=assignment.assigned_at,
        accepted_at=assignment.accepted_at,
        ended_at=assignment.ended_at,
        note=assignment.note,
        attempt=assignment.attempt,
        announcement_ts=assignment.announcement_ts,
        channel_id=incident.channel_id,
        incident_title=incident.title,
        incident_severity=incident.severity,
        incident_open=incident.is_open,
    )


def current_liaison(session: Session, incident_id: int) -> LiaisonAssignment | None:
    """The incident's liaison: asked (pending) or accepted; None when nobody holds the role.

    After resolution the liaison stays on record (they own the follow-up), so this keeps
    answering for resolved incidents too.
    """
    return session.scalars(
        select(LiaisonAssignment).where(
            LiaisonAssignment.incident_id == incident_id, LiaisonAssignment.status.in_(ACTIVE)
        )
    ).one_or_none()


def liaison_user_of(incident_id: Any) -> ScalarSelect[str]:
    """The current liaison's user id as a subquery, so a caller reads it in the same
    round trip as the incident (``incident_id`` may be a column or a bound parameter)."""
    return (
        select(LiaisonAssignment.user_id)
        .where(LiaisonAssignment.incident_id == incident_id, LiaisonAssignment.status.in_(ACTIVE))
        .limit(1)
        .scalar_subquery()
    )


def load_view(session: Session, assignment_id: int) -> AssignmentView | None:
    row = session.execute(
        select(LiaisonAssignment, Incident)
        .join(Incident, Incident.id == LiaisonAssignment.incident_id)
        .where(LiaisonAssignment.id == assignment_id)
    ).one_or_none()
    return view_of(row[0], row[1]) if row else None


def history(session: Session, incident_id: int) -> list[LiaisonAssignment]:
    """Everyone who held or was asked to hold the role, oldest first."""
    return list(
        session.scalars(
            select(LiaisonAssignment)
            .where(LiaisonAssignment.incident_id == incident_id)
            .order_by(LiaisonAssignment.attempt)
        )
    )


def has_automatic(session: Session, incident_id: int) -> bool:
    """Whether the app ever chose a liaison for this incident (it never does it twice)."""
    return bool(
        session.scalar(
            select(func.count(LiaisonAssignment.id)).where(
                LiaisonAssignment.incident_id == incident_id, LiaisonAssignment.assigned_by == AUTO
            )
        )
    )


def latest(session: Session, incident_id: int) -> LiaisonAssignment | None:
    return session.scalars(
        select(LiaisonAssignment)
        .where(LiaisonAssignment.incident_id == incident_id)
        .order_by(LiaisonAssignment.attempt.desc())
        .limit(1)
    ).one_or_none()


def insert(
    session: Session,
    *,
    incident_id: int,
    user_id: str,
    assigned_by: str,
    now: datetime,
    note: str | None = None,
) -> LiaisonAssignment:
    """Add a pending assignment with the next attempt number.

    Raises IntegrityError (at flush) when another transaction assigned the incident
    meanwhile: the caller's whole transaction must then be abandoned.
    """
    attempt = (
        session.scalar(
            select(func.max(LiaisonAssignment.attempt)).where(
                LiaisonAssignment.incident_id == incident_id
            )
        )
        or 0
    ) + 1
    assignment = LiaisonAssignment(
        incident_id=incident_id,
        user_id=user_id,
        status=Status.pending.value,
        assigned_by=assigned_by,
        assigned_at=now,
        note=note,
        attempt=attempt,
    )
    session.add(assignment)
    session.flush()
    return assignment


def transition(
    session: Session,
    assignment_id: int,
    *,
    allowed_from: Collection[str],
    to: Status,
    **values: Any,
) -> bool:
    """Move an assignment to ``to`` only if it is still in one of ``allowed_from``."""
    result = session.execute(
        update(LiaisonAssignment)
        .where(
            LiaisonAssignment.id == assignment_id,
            LiaisonAssignment.status.in_(list(allowed_from)),
        )
        .values(status=to.value, **values)
        # Keep loaded assignments in step: callers read the view right after.
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)


def set_announcement(session: Session, assignment_id: int, ts: str) -> None:
    session.execute(
        update(LiaisonAssignment)
        .where(LiaisonAssignment.id == assignment_id)
        .values(announcement_ts=ts)
        .execution_options(synchronize_session="fetch")
    )


def busy_elsewhere(
    session: Session, user_ids: Iterable[str], incident_id: int
) -> dict[str, list[int]]:
    """Users who are liaison (asked or accepted) on another open incident, with its ids."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LiaisonAssignment.user_id, LiaisonAssignment.incident_id)
        .join(Incident, Incident.id == LiaisonAssignment.incident_id)
        .where(
            LiaisonAssignment.user_id.in_(ids),
            LiaisonAssignment.status.in_(ACTIVE),
            LiaisonAssignment.incident_id != incident_id,
            Incident.status == "open",
        )
        .order_by(LiaisonAssignment.incident_id)
    ).all()
    busy: dict[str, list[int]] = {}
    for user_id, other in rows:
        busy.setdefault(user_id, []).append(other)
    return busy


def last_assigned(session: Session, user_ids: Iterable[str]) -> dict[str, tuple[datetime, int]]:
    """When each user was last assigned (any incident); the row id breaks equal times."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            LiaisonAssignment.user_id,
            func.max(LiaisonAssignment.assigned_at),
            func.max(LiaisonAssignment.id),
        )
        .where(LiaisonAssignment.user_id.in_(ids))
        .group_by(LiaisonAssignment.user_id)
    ).all()
    return {user_id: (at, row_id) for user_id, at, row_id in rows}


def asked_this_round(session: Session, incident: Incident) -> set[str]:
    """Users already asked since the incident opened or last reopened (not asked again)."""
    since = incident.reopened_at or incident.opened_at
    return set(
        session.scalars(
            select(LiaisonAssignment.user_id).where(
                LiaisonAssignment.incident_id == incident.id,
                LiaisonAssignment.assigned_at >= since,
            )
        )
    )


def lock_incident(session: Session, incident_id: int) -> Incident | None:
    """The incident row, locked on PostgreSQL so changes to its liaison take turns."""
    return session.scalars(
        select(Incident).where(Incident.id == incident_id).with_for_update()
    ).one_or_none()
