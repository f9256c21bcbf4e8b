"""Writing the jobs table (``reminders``): insert-or-ignore, revive, fold and cancel.

Only ``bot.jobs.api`` uses this module. Statements that every cause runs are written out
once as SQL that PostgreSQL and SQLite (3.35+) both speak. Inside ``batched`` the jobs a
cause sets off are collected and written together as one multi-row insert.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, select, text, update
from sqlalchemy.orm import Session

from bot.db import WRITE_GATE_KEY
from bot.models import Reminder

# Where an open batch lives: on the session, so it belongs to one transaction.
BATCH_KEY = "jobs.batch"


class _Batch:
    """Jobs waiting for the end of a ``batched`` block, by dedupe key (first come first)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.folds = False

    def add(self, values: dict[str, Any], *, fold: bool) -> None:
        earlier = self.rows.get(values["dedupe_key"])
        if earlier is None:
            self.rows[values["dedupe_key"]] = values
            self.folds = self.folds or fold
        elif fold:  # a second cause in the same slot merges, as it would into the row
            earlier["payload"] = values["payload"]
            earlier["due_at"] = min(earlier["due_at"], values["due_at"])
        # else: the same key twice is one job, as ON CONFLICT DO NOTHING makes it


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Jobs scheduled or folded inside the block are written when it ends, together, as
    one multi-row insert; a block inside another one leaves the writing to the outer.

    A cause that sets off several jobs (a report: its confirmation, SLA warnings and
    breach check, the summary refresh) then costs one statement instead of one per job.
    Revivals are written at once (they update what they find). Inside a block
    ``schedule`` answers True for a job it queued: whether its key was new is only known
    when the batch is written, so blocks go where nobody counts the answers.
    """
    if BATCH_KEY in session.info:
        yield
        return
    batch = _Batch()
    session.info[BATCH_KEY] = batch
    try:
        yield
    finally:
        del session.info[BATCH_KEY]
    if batch.rows:
        # In key order: concurrent batches that fold into the same open slots (reports of
        # one incident) then lock those rows in the same order and cannot deadlock.
        rows = sorted(batch.rows.values(), key=lambda row: row["dedupe_key"])
        params = {f"{name}_{i}": row[name] for i, row in enumerate(rows) for name in row}
        session.execute(_many_statement(len(rows), folds=batch.folds), params)


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
    batch = session.info.get(BATCH_KEY)
    if batch is not None and not revive:
        batch.add(values, fold=False)
        return True
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
    """Schedule into the group's open slot, or merge into the job pending there.

    A job already pending there with this payload, due no later, covers this cause too:
    it is only read, under a shared lock, instead of being updated. Concurrent causes (a
    burst of reports on one incident) then hold the slot together instead of queueing on
    its row until each commits, and the dispatcher still cannot claim it (SKIP LOCKED)
    before they have committed, so it runs with their changes visible.
    """
    slot = f"{group}{OPEN_SLOT}"
    if _may_read_slot(session):
        pending = session.execute(_PENDING_IN_SLOT, {"slot": slot}).first()
        if pending is not None and pending.due_at <= due_at and pending.payload == (payload or {}):
            return
    values = {
        "kind": kind,
        "dedupe_key": slot,
        "due_at": due_at,
        "incident_id": incident_id,
        "report_id": report_id,
        "target": target,
        "payload": payload or {},
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    batch = session.info.get(BATCH_KEY)
    if batch is not None:
        batch.add(values, fold=True)
        return
    session.execute(_FOLD, values)


def _may_read_slot(session: Session) -> bool:
    """Whether a pending job read now stays unclaimed until this transaction ends: on
    PostgreSQL by the shared row lock; on SQLite only once this transaction writes (it
    holds the write gate, which every claim needs)."""
    connection = session.connection()
    return connection.dialect.name != "sqlite" or bool(connection.info.get(WRITE_GATE_KEY))


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
# Table columns, not the mapped class's: a Core statement skips the ORM's compile step,
# and these run with every cause.
_JOBS = Reminder.__table__.c
_PENDING_IN_SLOT = (
    select(_JOBS.due_at, _JOBS.payload)
    .where(_JOBS.dedupe_key == bindparam("slot"), _JOBS.status == "pending")
    .with_for_update(read=True)
)
# Fold: the pending job of a group holds the group's open key (ending OPEN_SLOT) until it
# is claimed; a cause meanwhile merges into it, keeping the sooner due time. One statement,
# so concurrent causes (two replicas, parallel handlers) never make two pending jobs.
OPEN_SLOT = "~open"
# A job cancelled in its slot (never claimed) comes back with the new due time.
_FOLD_MERGE = (
    "DO UPDATE SET payload = excluded.payload, status = 'pending', cancelled_at = NULL, "
    "due_at = CASE WHEN reminders.status = 'cancelled' OR excluded.due_at < reminders.due_at "
    "THEN excluded.due_at ELSE reminders.due_at END "
    "WHERE reminders.status IN ('pending', 'cancelled')"
)
_FOLD = _schedule_statement(_FOLD_MERGE)


@lru_cache(maxsize=64)
def _many_statement(rows: int, *, folds: bool) -> TextClause:
    """The insert of a batch of ``rows`` jobs (parameters ``<column>_<row>``).

    With fold rows among them, a row meeting an existing key merges into it as ``fold``
    does when its key is a group's open slot, and is dropped like any other otherwise.
    """
    table = Reminder.__table__.c
    columns = ", ".join(_SCHEDULED_COLUMNS)
    values = ", ".join(
        "(" + ", ".join(f":{name}_{i}" for name in _SCHEDULED_COLUMNS) + ")" for i in range(rows)
    )
    typed = [
        bindparam(f"{name}_{i}", type_=table[name].type)
        for i in range(rows)
        for name in _SCHEDULED_COLUMNS
    ]
    on_conflict = f"{_FOLD_MERGE} AND excluded.dedupe_key LIKE '%{OPEN_SLOT}'"
    if not folds:
        on_conflict = "DO NOTHING"
    return text(
        f"INSERT INTO {Reminder.__tablename__} ({columns}) VALUES {values} "
        f"ON CONFLICT (dedupe_key) {on_conflict}"
    ).bindparams(*typed)


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
    conditions: list[Any] = [_JOBS.status.in_(statuses)]
    if kinds is not None:
        conditions.append(_JOBS.kind.in_(list(kinds)))
    if incident_id is not None:
        conditions.append(_JOBS.incident_id == incident_id)
    if report_id is not None:
        conditions.append(_JOBS.report_id == report_id)
    if target is not None:
        conditions.append(_JOBS.target == target)
    return conditions
