"""The jobs table (``reminders``): rows written, claimed atomically, finished one by one.

Only ``bot.jobs`` uses this module; services go through ``bot.jobs.api``. A cause
(incident opened, report attached) schedules rows in its own transaction. A wake-up claims
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
    TextClause,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.kinds import Job, JobKind, P
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


def schedule(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    due_at: datetime,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
    revive: bool = False,
) -> bool:
    """Insert a reminder unless one with the same dedupe key exists; True if inserted.

    Uses ON CONFLICT DO NOTHING so a duplicate never aborts the caller's transaction.
    ``revive=True`` also brings back a *cancelled* row with that key (due time and payload
    replaced): a deadline that was withdrawn and then restored (severity lowered and raised
    again) must fire, while one already sent stays sent.
    """
    values = {
        "kind": kind,
        "dedupe_key": dedupe_key,
        "due_at": due_at,
        "incident_id": incident_id,
        "report_id": report_id,
        "target": target,
        "payload": payload or {},
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    statement = _SCHEDULE_REVIVE if revive else _SCHEDULE
    return session.execute(statement, values).first() is not None


def fold(
    session: Session,
    *,
    kind: str,
    group: str,
    due_at: datetime,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Schedule into the group's open slot, or merge into the job pending there."""
    values = {
        "kind": kind,
        "dedupe_key": f"{group}{OPEN_SLOT}",
        "due_at": due_at,
        "incident_id": incident_id,
        "report_id": report_id,
        "target": target,
        "payload": payload or {},
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    session.execute(_FOLD, values)


def _schedule_statement(on_conflict: str) -> TextClause:
    """The upsert as SQL that PostgreSQL and SQLite (3.35+) both speak.

    Written out because SQLAlchemy cannot cache a compiled ``on_conflict`` insert, and every
    reminder of every cause runs this: compiling it each time cost more than running it.
    """
    table = Reminder.__table__.c
    columns = ", ".join(_SCHEDULED_COLUMNS)
    params = ", ".join(f":{name}" for name in _SCHEDULED_COLUMNS)
    typed = [bindparam(name, type_=table[name].type) for name in _SCHEDULED_COLUMNS]
    return text(
        f"INSERT INTO {Reminder.__tablename__} ({columns}) VALUES ({params}) "
        f"ON CONFLICT (dedupe_key) {on_conflict} RETURNING id"
    ).bindparams(*typed)


_SCHEDULED_COLUMNS = (
    "kind",
    "dedupe_key",
    "due_at",
    "incident_id",
    "report_id",
    "target",
    "payload",
    "status",
    "attempts",
    "created_at",
)
_SCHEDULE = _schedule_statement("DO NOTHING")
# Fold: the pending job of a group holds the group's open key (ending OPEN_SLOT) until it
# is claimed; a cause meanwhile merges into it, keeping the sooner due time. One statement,
# so concurrent causes (two replicas, parallel handlers) never make two pending jobs.
OPEN_SLOT = "~open"
# A job cancelled in its slot (never claimed) comes back with the new due time.
_FOLD = _schedule_statement(
    "DO UPDATE SET payload = excluded.payload, status = 'pending', cancelled_at = NULL, "
    "due_at = CASE WHEN reminders.status = 'cancelled' OR excluded.due_at < reminders.due_at "
    "THEN excluded.due_at ELSE reminders.due_at END "
    "WHERE reminders.status IN ('pending', 'cancelled')"
)
# Revive: only a cancelled row comes back; one pending, claimed or sent stays as it is.
_SCHEDULE_REVIVE = _schedule_statement(
    "DO UPDATE SET status = 'pending', due_at = excluded.due_at, payload = excluded.payload, "
    "target = excluded.target, attempts = 0, claimed_by = NULL, lease_until = NULL, "
    "first_claimed_at = NULL, cancelled_at = NULL, last_error = NULL "
    "WHERE reminders.status = 'cancelled'"
)


def cancel(
    session: Session,
    *,
    now: datetime,
    kinds: list[str] | tuple[str, ...] | None = None,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    due_after: datetime | None = None,
) -> int:
    """Cancel pending reminders matching every given filter; returns how many."""
    conditions = pending_where(
        kinds=kinds, incident_id=incident_id, report_id=report_id, target=target
    )
    if due_after is not None:
        conditions.append(Reminder.due_at > due_after)
    result = session.execute(
        update(Reminder)
        .where(and_(*conditions))
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def pending_where(
    *,
    kinds: list[str] | tuple[str, ...] | None = None,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    statuses: tuple[str, ...] = ("pending",),
) -> list[Any]:
    """The WHERE clause of "jobs of these kinds and this incident/report/target"."""
    conditions: list[Any] = [Reminder.status.in_(statuses)]
    if kinds is not None:
        conditions.append(Reminder.kind.in_(list(kinds)))
    if incident_id is not None:
        conditions.append(Reminder.incident_id == incident_id)
    if report_id is not None:
        conditions.append(Reminder.report_id == report_id)
    if target is not None:
        conditions.append(Reminder.target == target)
    return conditions


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
        rows = session.connection().execute(_CLAIM, params).all()
    claimed = [ClaimedRow(*row) for row in rows]
    claimed.sort(key=lambda item: (item.due_at, item.id))
    return claimed


def _claim_statement() -> Any:
    """Built once with bound parameters: every wake-up of every replica runs it, mostly to
    find nothing due, so building it each time would cost more than running it."""
    now = bindparam("now", type_=Reminder.__table__.c.due_at.type)
    due = (
        select(Reminder.id)
        .where(
            or_(
                and_(Reminder.status == "pending", Reminder.due_at <= now),
                and_(Reminder.status == "claimed", Reminder.lease_until <= now),
            )
        )
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


def finish_one(
    sessions: sessionmaker[Session], *, job_id: int, worker: str, status: str, now: datetime
) -> None:
    """Mark one claimed job ``sent`` or ``cancelled`` (if still ours) in its own short
    transaction: run right after each job's side effect, so it is built once."""
    with sessions.begin() as session:
        session.connection().execute(
            _FINISH_ONE[status], {"job_id": job_id, "worker": worker, "now": now}
        )


def _finish_one_statement(status: str) -> Any:
    stamp = "sent_at" if status == "sent" else "cancelled_at"
    return (
        update(Reminder)
        .where(
            Reminder.id == bindparam("job_id"),
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


_FINISH_ONE = {status: _finish_one_statement(status) for status in ("sent", "cancelled")}


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
