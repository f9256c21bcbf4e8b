"""Runs due jobs through the handler declared for their kind, finishing each as it ends.

A handler does what is due and returns ``Outcome.sent``, or ``Outcome.obsolete`` when the
reason disappeared (update posted, ticket answered). Each job is finished right after its
handler returns (jobs that completed together, in one statement), so a crash later in the
batch cannot send it again. What a handler raises is classified by the failure protocol
(bot/jobs/failures.py): permanent failures are recorded, transient ones retried by the
kind's retry policy.

A job that runs again after an earlier attempt (its lease ran out when a process died, or
a transient failure) runs with its thread marked (``JobScope``), so the outbox notifier
looks for the messages that attempt may already have posted before posting them again.

Kinds declared ``Coalesce.newest`` run once per incident, kind and target for everything of
them that fell due together; the older rows are recorded as cancelled without running.

A kind declared with ``prepare`` has what its jobs need read once per claimed batch (all
its jobs in the batch at once), and each job then runs with the handler that returns.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.jobs import store
from bot.jobs.failures import verdict
from bot.jobs.kinds import Coalesce, Handler, Job, JobKind, Outcome, RetryPolicy
from bot.jobs.outbox import JobScope, RunningJob
from bot.jobs.store import ClaimedRow

__all__ = ["DispatchStats", "Outcome", "ReminderDispatcher", "default_worker_id"]

log = logging.getLogger(__name__)

# Handlers start only within this share of the lease, so they end before it runs out.
LEASE_USABLE = 0.75
# A reclaimed job looks for its earlier messages from this long before its first claim
# (clocks of replicas and of Slack differ a little).
CLOCK_SKEW = timedelta(minutes=1)


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    obsolete: int = 0
    coalesced: int = 0
    released: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Prepared:
    """What ``prepare`` made of one claimed batch: handlers by kind, and its jobs parsed."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    jobs: dict[int, Job[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ran:
    """A job's run: the stats field and any error, and the status to finish it with
    (None when it was released or its failure already recorded)."""

    job_id: int
    result: tuple[str, str | None]
    finish: str | None = None


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# Given the jobs of one claimed batch (of every kind declared with it), returns the handler
# that runs each of them with what it read for all of them.
Prepare = Callable[[list[Job[Any]]], Handler]


@dataclass(frozen=True)
class _Declared:
    kind: JobKind[Any]
    handler: Handler
    prepare: Prepare | None = None


class ReminderDispatcher:
    """Claims due jobs in batches and hands each to its kind's handler."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        worker_id: str | None = None,
        batch_size: int = 200,
        threads: int = 8,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 6,
        max_batches: int = 1000,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.worker_id = worker_id or default_worker_id()
        self._declared: dict[str, _Declared] = {}
        self._batch_size = batch_size
        self._threads = threads
        self._lease = lease
        self._default_retry = RetryPolicy(max_attempts=max_attempts)
        self._max_batches = max_batches
        # Which job each worker thread runs; the outbox notifier reads it.
        self.scope = JobScope()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def declare(
        self, kind: JobKind[Any], handler: Handler, *, prepare: Prepare | None = None
    ) -> None:
        """Run jobs of ``kind`` with ``handler``, by the rules ``kind`` declares.

        With ``prepare``, jobs of a claimed batch run with the handler it returns, given
        them all (with those of the other kinds declared with the same ``prepare``): the
        facts they share are read once per batch instead of once per job. If preparing
        fails, they run with ``handler``, each on its own.
        """
        if kind.name in self._declared:
            raise ValueError(f"job kind {kind.name!r} is already declared")
        self._declared[kind.name] = _Declared(kind, handler, prepare)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._declared)

    def next_due(self) -> datetime | None:
        """When the next job becomes due (or a claim runs out), for the scheduler's sleep."""
        return store.next_due(self._sessions)

    def run_once(self) -> DispatchStats:
        """Run everything due now; stops when nothing due is left (bounded by max_batches)."""
        stats = DispatchStats()
        for _ in range(self._max_batches):
            claimed_at = self._clock.now()
            batch = store.claim_due(
                self._sessions,
                now=claimed_at,
                worker=self.worker_id,
                limit=self._batch_size,
                lease=self._lease,
            )
            if not batch:
                break
            stats.claimed += len(batch)
            redundant = self._coalesce(batch)
            if redundant:
                self._finish(list(redundant), Outcome.obsolete.value)
                stats.coalesced += len(redundant)
                batch = [row for row in batch if row.id not in redundant]
            run = partial(
                self._run_one,
                send_by=claimed_at + self._lease * LEASE_USABLE,
                prepared=self._prepared(batch),
            )
            for row, (result, error) in self._run_batch(batch, run):
                setattr(stats, result, getattr(stats, result) + 1)
                if error:
                    stats.errors.append(f"{row.kind}#{row.id}: {error}")
        return stats

    def _run_batch(
        self, batch: list[ClaimedRow], run: Callable[[ClaimedRow], _Ran]
    ) -> list[tuple[ClaimedRow, tuple[str, str | None]]]:
        """Run the batch's jobs and finish the ones that ran, a group at a time.

        A job alone runs on this thread: handing it to a worker would cost more than the
        job (a burst of reports wakes the dispatcher many times). Jobs run by the workers
        are finished here as they complete: every job that completed since the last
        group, in one statement per outcome. A job is still finished right after its
        handler returns (within one wake of this thread), but a batch of 50 costs a few
        write transactions instead of 50, each a turn at SQLite's one write lock.
        """
        if len(batch) == 1:
            ran = run(batch[0])
            self._finish_ran([ran])
            return [(batch[0], ran.result)]
        results: dict[int, tuple[str, str | None]] = {}
        pending = {self._workers().submit(run, row) for row in batch}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            completed, crashed = [], None
            for future in done:
                try:
                    completed.append(future.result())
                except BaseException as exc:  # the jobs that did run are finished first
                    crashed = exc
            self._finish_ran(completed)
            if crashed is not None:
                raise crashed
            results.update((ran.job_id, ran.result) for ran in completed)
        return [(row, results[row.id]) for row in batch]

    def _finish_ran(self, completed: list[_Ran]) -> None:
        """Record the outcome of jobs whose handler returned, one statement per outcome."""
        by_status: dict[str, list[int]] = {}
        for ran in completed:
            if ran.finish is not None:
                by_status.setdefault(ran.finish, []).append(ran.job_id)
        now = self._clock.now()
        for status, ids in by_status.items():
            store.finish_done(
                self._sessions, ids=sorted(ids), worker=self.worker_id, status=status, now=now
            )

    def _workers(self) -> ThreadPoolExecutor:
        """One pool for the dispatcher's life: a pool started per wake-up started its
        threads again each time, which cost more than the jobs of a small batch."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._threads, thread_name_prefix="liaison-jobs"
                )
            return self._pool

    def close(self) -> None:
        """Let the worker threads end (after the jobs they are running)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def _coalesce(self, batch: list[ClaimedRow]) -> set[int]:
        coalescing = [
            row
            for row in batch
            if (declared := self._declared.get(row.kind)) is not None
            and declared.kind.coalesce is Coalesce.newest
        ]
        if not coalescing:
            return set()
        return store.superseded(self._sessions, coalescing, now=self._clock.now())

    def _prepared(self, batch: list[ClaimedRow]) -> _Prepared:
        """The batch's handlers by kind (and its jobs, parsed once), for kinds declared
        with ``prepare``."""
        groups: dict[Prepare, list[tuple[str, Job[Any]]]] = {}
        prepared = _Prepared()
        for row in batch:
            declared = self._declared.get(row.kind)
            if declared is None or declared.prepare is None:
                continue
            policy = self._retry_policy(declared.kind)
            try:
                job = row.as_job(declared.kind, last_attempt=row.attempts >= policy.max_attempts)
            except ValidationError:
                continue  # failed when its turn comes
            prepared.jobs[row.id] = job
            groups.setdefault(declared.prepare, []).append((row.kind, job))
        for prepare, members in groups.items():
            try:
                handler = prepare([job for _, job in members])
            except Exception:  # the jobs still run, each reading for itself
                log.exception("Preparing a batch of %d jobs failed", len(members))
                continue
            prepared.handlers.update((kind, handler) for kind, _ in members)
        return prepared

    def _retry_policy(self, kind: JobKind[Any]) -> RetryPolicy:
        return kind.retry if kind.retry is not None else self._default_retry

    def _run_one(self, row: ClaimedRow, *, send_by: datetime, prepared: _Prepared) -> _Ran:
        """Run one job; what it returns says how to finish it (the caller does, at once).

        A job whose claim is nearly over (a slow batch) is released unrun rather than risk
        another replica reclaiming it while it runs. Failures are recorded here.
        """
        if self._clock.now() >= send_by:
            store.release(self._sessions, ids=[row.id], worker=self.worker_id)
            return _Ran(row.id, ("released", None))
        declared = self._declared.get(row.kind)
        if declared is None:
            return _Ran(
                row.id, self._fail(row, f"LookupError: no job kind {row.kind!r} is declared")
            )
        kind = declared.kind
        policy = self._retry_policy(kind)
        job = prepared.jobs.get(row.id)
        if job is None:
            try:
                job = row.as_job(kind, last_attempt=row.attempts >= policy.max_attempts)
            except ValidationError as exc:
                return _Ran(row.id, self._fail(row, f"ValidationError: {exc}"))
        look_since = None
        if job.reclaimed and not kind.repeat_safe and row.first_claimed_at is not None:
            look_since = row.first_claimed_at - CLOCK_SKEW
        try:
            with self.scope.running(RunningJob(key=row.dedupe_key, look_since=look_since)):
                outcome = prepared.handlers.get(row.kind, declared.handler)(job)
        except Exception as exc:  # recorded per job; one failure must not stop the rest
            return _Ran(row.id, self._failed(row, policy, exc))
        result = "sent" if outcome is Outcome.sent else "obsolete"
        return _Ran(row.id, (result, None), finish=outcome.value)

    def _finish(self, ids: list[int], status: str, error: str | None = None) -> None:
        store.finish(
            self._sessions,
            ids=ids,
            worker=self.worker_id,
            status=status,
            now=self._clock.now(),
            error=error,
        )

    def _fail(self, row: ClaimedRow, error: str) -> tuple[str, str | None]:
        log.error("Job %s (%s) failed for good: %s", row.id, row.kind, error)
        self._finish([row.id], "failed", error)
        return "failed", error

    def _failed(
        self, row: ClaimedRow, policy: RetryPolicy, exc: Exception
    ) -> tuple[str, str | None]:
        error = f"{type(exc).__name__}: {exc}"
        judged = verdict(exc)
        if judged.permanent or row.attempts >= policy.max_attempts:
            return self._fail(row, error)
        if not judged.expected:
            log.error("Job %s (%s) raised", row.id, row.kind, exc_info=exc)
        store.retry_later(
            self._sessions,
            reminder_id=row.id,
            worker=self.worker_id,
            due_at=self._clock.now() + policy.delay(row.attempts, judged.retry_after),
            error=error,
        )
        return "retried", error
