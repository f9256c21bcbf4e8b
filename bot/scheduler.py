"""APScheduler only wakes the process; the jobs table holds what is due.

Each replica runs one job that dispatches due durable jobs. After every dispatch it is
re-armed for the earliest due job (or lease end), or the fixed interval, whichever is
sooner: a reminder or a debounced refresh runs at its own due time, not at the next tick.
The interval remains as the bound for jobs other replicas wrote. ``wake()`` runs it at
once, so a job due now (a liaison to assign) does not wait. A wake-up that arrives while a
dispatch is running is never dropped: that dispatch goes round once more, since the cause
may have committed after its last claim.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock
from bot.dispatcher import ReminderDispatcher

log = logging.getLogger(__name__)
JOB_ID = "liaison.dispatch_reminders"
# Never re-armed sooner than this after a dispatch (a due row another replica is claiming).
MIN_GAP = timedelta(milliseconds=250)


class ReminderScheduler:
    """Owns the BackgroundScheduler; started by app.py once per serving process."""

    def __init__(self, dispatcher: ReminderDispatcher, clock: Clock, interval: timedelta) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._interval = timedelta(seconds=max(1, int(interval.total_seconds())))
        self._again = threading.Event()
        self._dispatching = threading.Lock()
        self._last_success: datetime | None = None
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=int(self._interval.total_seconds()),
            id=JOB_ID,
            # Runs overlapping a dispatch return at once (see ``tick``); APScheduler must
            # not skip them, or the wake-up they carry would wait for the next interval.
            max_instances=4,
            coalesce=True,
            misfire_grace_time=None,
        )

    @property
    def last_success(self) -> datetime | None:
        """When a dispatch last completed without error (None before the first)."""
        return self._last_success

    def tick(self) -> None:
        """Dispatch until no wake-up arrived meanwhile; one dispatch at a time per process."""
        self._again.set()
        while self._again.is_set():
            if not self._dispatching.acquire(blocking=False):
                return  # the dispatch in progress sees the flag and goes round again
            try:
                self._again.clear()
                self._dispatch()
            finally:
                self._dispatching.release()
        self._arm_next()

    def _dispatch(self) -> None:
        try:
            stats = self._dispatcher.run_once()
        except Exception:
            log.exception("Dispatching jobs failed; the next wake-up will try again")
            return
        self._last_success = self._clock.now()
        if stats.claimed:
            log.info(
                "Jobs: %s claimed, %s sent, %s obsolete, %s coalesced, %s retried, %s failed",
                stats.claimed, stats.sent, stats.obsolete, stats.coalesced, stats.retried,
                stats.failed,
            )  # fmt: skip

    def next_wake(self, now: datetime) -> datetime | None:
        """When to dispatch next if sooner than the interval's own tick, else None."""
        try:
            due = self._dispatcher.next_due()
        except Exception:
            log.exception("Could not read when the next job is due; waiting for the interval")
            return None
        if due is None:
            return None
        at = max(due, now + MIN_GAP)
        return at if at < now + self._interval else None

    def _arm_next(self) -> None:
        if not self._scheduler.running:
            return
        at = self.next_wake(self._clock.now())
        if at is None:
            return
        job = self._scheduler.get_job(JOB_ID)
        if job is not None and (job.next_run_time is None or at < job.next_run_time):
            self._scheduler.modify_job(JOB_ID, next_run_time=at)

    def start(self) -> None:
        self._scheduler.start()
        self.wake()

    def wake(self) -> None:
        """Run the dispatch job now (a no-op before start).

        While a dispatch runs, the flag alone is enough: the dispatch checks it after
        releasing its lock and goes round again, and a flag set before it clears it is
        seen by its claim, which comes after. Waking APScheduler's thread for every report
        of a burst cost more than dispatching their jobs.
        """
        self._again.set()
        if self._dispatching.locked():
            return
        if self._scheduler.running:
            self._scheduler.modify_job(JOB_ID, next_run_time=self._clock.now())

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._dispatcher.close()
