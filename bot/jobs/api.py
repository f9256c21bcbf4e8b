"""The one way services create, move, merge and withdraw durable jobs.

Every function runs in the caller's transaction, so a job exists exactly when its cause
was committed. Jobs are addressed by their kind (a ``JobKind``) and the incident, report
and target they are about; payloads are the kind's pydantic model, never loose dicts.
Nothing outside ``bot.jobs`` writes the jobs table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, exists, select, update
from sqlalchemy.orm import Session

from bot.jobs import writes
from bot.jobs.kinds import Fold, JobKind
from bot.models import Reminder


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Write the jobs scheduled inside the block together, as one insert, when it ends.

    For causes that set off several jobs at once (a report attached); see
    ``writes.batched`` for what changes inside the block.
    """
    with writes.batched(session):
        yield


def schedule(
    session: Session,
    kind: JobKind[Any],
    payload: BaseModel | None = None,
    *,
    key: str | None = None,
    due_at: datetime,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    revive: bool = False,
) -> bool:
    """Schedule a job of ``kind``; True if a new row was written.

    ``key`` makes the cause idempotent: the same key twice (a Slack retry, two replicas)
    yields one job. ``revive`` brings back a job with that key that was *cancelled* (a
    deadline withdrawn and then restored must fire; one already sent stays sent). A kind
    declared with a fold rule merges into its pending job instead (see ``fold``).
    """
    if kind.fold is not Fold.none:
        fold(
            session, kind, payload, due_at=due_at, now=now,
            incident_id=incident_id, report_id=report_id, target=target,
        )  # fmt: skip
        return True
    return writes.schedule(
        session,
        kind=kind.name,
        dedupe_key=f"{kind.name}:{key}" if key is not None else _unique_key(kind),
        due_at=due_at,
        now=now,
        incident_id=incident_id,
        report_id=report_id,
        target=target,
        payload=kind.dump(payload),
        revive=revive,
    )


def fold(
    session: Session,
    kind: JobKind[Any],
    payload: BaseModel | None = None,
    *,
    due_at: datetime,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
) -> None:
    """Merge into the pending job of this kind, incident and target, or schedule one.

    The pending job keeps the sooner due time and takes this payload. A job already
    claimed is not merged into: it may have read the state before this cause committed,
    so the cause gets a job of its own.
    """
    writes.fold(
        session,
        kind=kind.name,
        group=f"{kind.name}:{incident_id or ''}:{target or ''}",
        due_at=due_at,
        now=now,
        incident_id=incident_id,
        report_id=report_id,
        target=target,
        payload=kind.dump(payload),
    )


def fan_out(
    session: Session,
    kind: JobKind[Any],
    recipients: Iterable[str],
    payload: BaseModel | None = None,
    *,
    key: str,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
) -> int:
    """One job per recipient (the ``target``), due now, each retried on its own: a failure
    for one member of an escalation group never repeats the others' messages."""
    count = 0
    for recipient in dict.fromkeys(recipients):
        count += schedule(
            session, kind, payload, key=f"{key}:{recipient}", due_at=now, now=now,
            incident_id=incident_id, report_id=report_id, target=recipient,
        )  # fmt: skip
    return count


def reschedule(
    session: Session,
    kind: JobKind[Any],
    *,
    due_at: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
    sooner_only: bool = False,
) -> int:
    """Move the pending jobs of this kind (and incident/report/target) to ``due_at``;
    ``sooner_only`` moves only those due later. Returns how many moved."""
    conditions = writes.pending_where(
        kinds=[kind.name], incident_id=incident_id, report_id=report_id, target=target
    )
    if sooner_only:
        conditions.append(Reminder.due_at > due_at)
    result = session.execute(
        update(Reminder)
        .where(*conditions)
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def cancel(
    session: Session,
    kinds: JobKind[Any] | Sequence[JobKind[Any]],
    *,
    now: datetime,
    incident_id: int | None = None,
    report_id: int | None = None,
    target: str | None = None,
) -> int:
    """Withdraw the pending jobs of these kinds (and incident/report/target); how many."""
    names = [kinds.name] if isinstance(kinds, JobKind) else [kind.name for kind in kinds]
    return writes.cancel(
        session, now=now, kinds=names, incident_id=incident_id, report_id=report_id,
        target=target,
    )  # fmt: skip


def has_jobs(
    session: Session,
    kinds: Sequence[JobKind[Any]],
    *,
    incident_id: int,
    active_only: bool = True,
) -> bool:
    """Whether jobs of these kinds exist for the incident (pending or running; with
    ``active_only=False`` also ones that already ran)."""
    statement = _has_jobs_statement(tuple(kind.name for kind in kinds), active_only)
    return bool(session.scalar(statement, {"incident_id": incident_id}))


@lru_cache(maxsize=64)
def _has_jobs_statement(kinds: tuple[str, ...], active_only: bool) -> Select[tuple[bool]]:
    """Built once per kinds asked about: some causes ask with every report."""
    statuses = ("pending", "claimed") if active_only else ("pending", "claimed", "sent", "failed")
    conditions = writes.pending_where(kinds=kinds, statuses=statuses)
    conditions.append(Reminder.__table__.c.incident_id == bindparam("incident_id"))
    return select(exists().where(*conditions))


def _unique_key(kind: JobKind[Any]) -> str:
    return f"{kind.name}:{uuid.uuid4().hex}"
