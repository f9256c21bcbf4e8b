"""The jobs table (``reminders``) as the dispatcher sees it: claimed, then finished.

Only ``bot.jobs`` and the dispatcher use this module; rows are written by
``bot.jobs.writes`` for ``bot.jobs.api``. A wake-up claims
due rows in one UPDATE ... RETURNING whose subquery uses ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers anyway), so two replicas never claim the same row.
A claim is a lease: if the process dies mid-run, the row becomes claimable again when the
lease ends, with its attempt count telling the handler that an earlier attempt ran.

Kinds declared ``Coalesce.newest`` run once per incident, kind and target however many of
their rows fell due together (after downtime, say): ``superseded`` finds the older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.kinds import Job, JobKind, P
from bot.jobs.writes import OPEN_SLOT
from bot.models import Reminder


@dataclass(frozen=True)
class ClaimedRow:
    """A claimed row as stored (payload still JSON); the dispatcher makes it a ``Job``."""

    id: int
    kind: str
    dedupe_key: str
    incident_id: int | None
    report_id: int | None
    target: str | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    first_claimed_at: datetime | None

    def as_job(self, kind: JobKind[P], *, last_attempt: bool = False) -> Job[P]:
        """The job handed to the handler: payload parsed by the kind's model."""
        return Job(
            id=self.id,
            kind=self.kind,
            dedupe_key=self.dedupe_key,
            incident_id=self.incident_id,
            report_id=self.report_id,
            target=self.target,
            payload=kind.load(self.payload),
            due_at=self.due_at,
            attempts=self.attempts,
            first_claimed_at=self.first_claimed_at,
            last_attempt=last_attempt,
        )


def claim_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease: timedelta,
) -> list[ClaimedRow]:
    """Atomically claim up to ``limit`` due reminders (and ones whose lease ran out)."""
    params = {"now": now, "worker": worker, "limit": limit, "lease_until": now + lease}
    with sessions.begin() as session:
        connection = session.connection()
        # Most wake-ups end by finding nothing (more) due: asking first is a read, where
        # the claim is a write (on SQLite, a turn at the one write lock every report needs).
        if connection.execute(_ANY_DUE, params).first() is None:
            return []
        rows = connection.execute(_CLAIM, params).all()
    claimed = [ClaimedRow(*row) for row in rows]
    claimed.sort(key=lambda item: (item.due_at, item.id))
    return claimed


def _due_condition(now: Any) -> Any:
    return or_(
        and_(Reminder.status == "pending", Reminder.due_at <= now),
        and_(Reminder.status == "claimed", Reminder.lease_until <= now),
    )


def _claim_statement() -> Any:
    """Built once with bound parameters: every wake-up of every replica runs it, mostly to
    find nothing due, so building it each time would cost more than running it."""
    now = bindparam("now", type_=Reminder.__table__.c.due_at.type)
    due = (
        select(Reminder.id)
        .where(_due_condition(now))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(Reminder)
        .where(Reminder.id.in_(due))
        .values(
            status="claimed",
            claimed_by=bindparam("worker"),
            lease_until=bindparam("lease_until", type_=Reminder.__table__.c.lease_until.type),
            attempts=Reminder.attempts + 1,
            first_claimed_at=func.coalesce(Reminder.first_claimed_at, now),
            # A claimed job frees its group's open slot: later causes get a job of their own.
            dedupe_key=case(
                (
                    Reminder.dedupe_key.endswith(OPEN_SLOT, autoescape=True),
                    Reminder.dedupe_key + "#" + cast(Reminder.id, String),
                ),
                else_=Reminder.dedupe_key,
            ),
        )
        .returning(
            Reminder.id,
            Reminder.kind,
            Reminder.dedupe_key,
            Reminder.incident_id,
            Reminder.report_id,
            Reminder.target,
            Reminder.payload,
            Reminder.due_at,
            Reminder.attempts,
            Reminder.first_claimed_at,
        )
    )


_CLAIM = _claim_statement()
_ANY_DUE = (
    select(Reminder.id)
    .where(_due_condition(bindparam("now", type_=Reminder.__table__.c.due_at.type)))
    .limit(1)
)


def superseded(
    sessions: sessionmaker[Session], batch: list[ClaimedRow], *, now: datetime
) -> set[int]:
    """Ids in ``batch`` made redundant by a newer due row of the same incident, kind, target.

    "Newer" is a later (due_at, id). The newer row may be pending, claimed (by anyone,
    including this batch) or already sent; either way it speaks for the older ones, so
    only one message per incident, kind and target goes out for everything that fell due.
    """
    candidates = [r for r in batch if r.incident_id is not None]
    if not candidates:
        return set()
    with sessions() as session:
        rows = session.execute(
            select(
                Reminder.id, Reminder.incident_id, Reminder.kind, Reminder.target, Reminder.due_at
            ).where(
                Reminder.incident_id.in_({r.incident_id for r in candidates}),
                Reminder.kind.in_({r.kind for r in candidates}),
                Reminder.status.in_(("pending", "claimed", "sent")),
                Reminder.due_at <= now,
            )
        ).all()
    newest: dict[tuple[int | None, str, str | None], tuple[datetime, int]] = {}
    for row_id, incident_id, kind, target, due_at in rows:
        group = (incident_id, kind, target)
        newest[group] = max(newest.get(group, (due_at, row_id)), (due_at, row_id))
    result = set()
    for reminder in candidates:
        latest = newest.get((reminder.incident_id, reminder.kind, reminder.target))
        if latest is not None and latest > (reminder.due_at, reminder.id):
            result.add(reminder.id)
    return result


def finish(
    sessions: sessionmaker[Session],
    *,
    ids: list[int],
    worker: str,
    status: str,
    now: datetime,
    error: str | None = None,
) -> None:
    """Mark claimed reminders ``sent``, ``cancelled`` or ``failed`` (only if still ours)."""
    if not ids:
        return
    values: dict[str, Any] = {"status": status, "lease_until": None}
    if status == "sent":
        values["sent_at"] = now
    elif status == "cancelled":
        values["cancelled_at"] = now
    if error is not None:
        values["last_error"] = error[:2000]
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(ids), Reminder.claimed_by == worker, Reminder.status == "claimed"
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def finish_done(
    sessions: sessionmaker[Session], *, ids: list[int], worker: str, status: str, now: datetime
) -> None:
    """Mark claimed jobs ``sent`` or ``cancelled`` (those still ours) in one short
    transaction: run right after their side effects, so the statement is built once."""
    with sessions.begin() as session:
        session.connection().execute(
            _FINISH_DONE[status], {"job_ids": ids, "worker": worker, "now": now}
        )


def _finish_done_statement(status: str) -> Any:
    stamp = "sent_at" if status == "sent" else "cancelled_at"
    return (
        update(Reminder)
        .where(
            Reminder.id.in_(bindparam("job_ids", expanding=True)),
            Reminder.claimed_by == bindparam("worker"),
            Reminder.status == "claimed",
        )
        .values(
            {
                "status": status,
                "lease_until": None,
                stamp: bindparam("now", type_=Reminder.__table__.c.sent_at.type),
            }
        )
    )


_FINISH_DONE = {status: _finish_done_statement(status) for status in ("sent", "cancelled")}


def release(sessions: sessionmaker[Session], *, ids: list[int], worker: str) -> None:
    """Hand claimed reminders back unsent (their claim was about to lapse); the aborted
    attempt does not count against them."""
    if not ids:
        return
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(ids), Reminder.claimed_by == worker, Reminder.status == "claimed"
            )
            .values(status="pending", lease_until=None, attempts=Reminder.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def retry_later(
    sessions: sessionmaker[Session], *, reminder_id: int, worker: str, due_at: datetime, error: str
) -> None:
    """Put a claimed reminder back in the queue for a later attempt."""
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.claimed_by == worker,
                Reminder.status == "claimed",
            )
            .values(status="pending", due_at=due_at, lease_until=None, last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )


def next_due(sessions: sessionmaker[Session]) -> datetime | None:
    """When the next row becomes claimable: the earliest pending due time or lease end."""
    with sessions() as session:
        row = session.execute(_NEXT_DUE).one()
    times = [moment for moment in row if moment is not None]
    return min(times) if times else None


_NEXT_DUE = select(
    select(func.min(Reminder.due_at)).where(Reminder.status == "pending").scalar_subquery(),
    select(func.min(Reminder.lease_until)).where(Reminder.status == "claimed").scalar_subquery(),
)
