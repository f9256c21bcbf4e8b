"""Runs due reminders through the handler registered for their kind.

A handler sends what is due and returns ``Outcome.sent``, or returns ``Outcome.obsolete``
when the reason disappeared (update posted, ticket answered). A transient Slack failure is
retried with backoff; a permanent one is recorded as failed and never retried forever.

A kind registered with ``coalesce=True`` sends one message per incident, kind and target for
everything of it that fell due together (rows piled up while the app was down): the older
rows are recorded as cancelled without running the handler.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from bot import reminders
from bot.clock import Clock
from bot.reminders import DueReminder
from bot.slack.client import SlackDeliveryError

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    sent = "sent"
    obsolete = "cancelled"


ReminderHandler = Callable[[DueReminder], Outcome]
# Handlers start only within this share of the lease, so sends end before it runs out.
LEASE_USABLE = 0.75
RELEASED = "released"


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


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ReminderDispatcher:
    """Claims due reminders in batches and hands each to its kind's handler."""

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
        self._handlers: dict[str, ReminderHandler] = {}
        self._coalescing: set[str] = set()
        self._batch_size = batch_size
        self._threads = threads
        self._lease = lease
        self._max_attempts = max_attempts
        self._max_batches = max_batches

    def register(self, kind: str, handler: ReminderHandler, *, coalesce: bool = False) -> None:
        """Route ``kind`` to ``handler``; ``coalesce`` sends only the newest of a pile-up."""
        if kind in self._handlers:
            raise ValueError(f"a handler for reminder kind {kind!r} is already registered")
        self._handlers[kind] = handler
        if coalesce:
            self._coalescing.add(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def run_once(self) -> DispatchStats:
        """Send everything due now; stops when nothing due is left (bounded by max_batches)."""
        stats = DispatchStats()
        with ThreadPoolExecutor(max_workers=self._threads) as pool:
            for _ in range(self._max_batches):
                claimed_at = self._clock.now()
                batch = reminders.claim_due(
                    self._sessions,
                    now=claimed_at,
                    worker=self.worker_id,
                    limit=self._batch_size,
                    lease=self._lease,
                )
                if not batch:
                    break
                stats.claimed += len(batch)
                finished: dict[str, list[int]] = defaultdict(list)
                redundant = self._coalesce(batch)
                if redundant:
                    finished[str(Outcome.obsolete.value)].extend(redundant)
                    stats.coalesced += len(redundant)
                    batch = [reminder for reminder in batch if reminder.id not in redundant]
                run = partial(self._run_one, send_by=claimed_at + self._lease * LEASE_USABLE)
                for reminder, outcome in zip(batch, pool.map(run, batch), strict=True):
                    self._record(reminder, outcome, stats, finished)
                now = self._clock.now()
                released = finished.pop(RELEASED, [])
                reminders.release(self._sessions, ids=released, worker=self.worker_id)
                for status, ids in finished.items():
                    reminders.finish(
                        self._sessions, ids=ids, worker=self.worker_id, status=status, now=now
                    )
        return stats

    def _coalesce(self, batch: list[DueReminder]) -> set[int]:
        coalescing = [reminder for reminder in batch if reminder.kind in self._coalescing]
        if not coalescing:
            return set()
        return reminders.superseded(self._sessions, coalescing, now=self._clock.now())

    def _run_one(self, reminder: DueReminder, *, send_by: datetime) -> Outcome | Exception | None:
        """Run the handler; None when the claim's lease is nearly over (a slow batch): the
        row is released unsent rather than risk another replica reclaiming and resending it."""
        if self._clock.now() >= send_by:
            return None
        handler = self._handlers.get(reminder.kind)
        if handler is None:
            return LookupError(f"no handler registered for reminder kind {reminder.kind!r}")
        try:
            return handler(reminder)
        except Exception as exc:  # recorded per reminder below; one failure must not stop the rest
            return exc

    def _record(
        self,
        reminder: DueReminder,
        outcome: Outcome | Exception | None,
        stats: DispatchStats,
        finished: dict[str, list[int]],
    ) -> None:
        if outcome is None:
            finished[RELEASED].append(reminder.id)
            stats.released += 1
            return
        if isinstance(outcome, Outcome):
            finished[str(outcome.value)].append(reminder.id)
            if outcome is Outcome.sent:
                stats.sent += 1
            else:
                stats.obsolete += 1
            return
        error = f"{type(outcome).__name__}: {outcome}"
        stats.errors.append(f"{reminder.kind}#{reminder.id}: {error}")
        permanent = isinstance(outcome, SlackDeliveryError) and outcome.permanent
        if isinstance(outcome, LookupError) or permanent or reminder.attempts >= self._max_attempts:
            log.error("Reminder %s (%s) failed for good: %s", reminder.id, reminder.kind, error)
            reminders.finish(
                self._sessions,
                ids=[reminder.id],
                worker=self.worker_id,
                status="failed",
                now=self._clock.now(),
                error=error,
            )
            stats.failed += 1
            return
        if not isinstance(outcome, SlackDeliveryError):
            log.error("Reminder %s (%s) raised", reminder.id, reminder.kind, exc_info=outcome)
        delay = min(timedelta(seconds=30 * 2 ** (reminder.attempts - 1)), timedelta(minutes=15))
        reminders.retry_later(
            self._sessions,
            reminder_id=reminder.id,
            worker=self.worker_id,
            due_at=self._clock.now() + delay,
            error=error,
        )
        stats.retried += 1
