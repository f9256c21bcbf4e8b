"""APScheduler only wakes the process; the reminders table holds what is due.

Each replica runs one interval job that dispatches due reminders. ``wake()`` runs it at
once, so a reminder due now (a liaison to assign) does not wait for the next interval. A
wake-up that arrives while a dispatch is running is never dropped: that dispatch goes
round once more, since the cause may have committed after its last claim.
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


class ReminderScheduler:
    """Owns the BackgroundScheduler; started by app.py once per serving process."""

    def __init__(self, dispatcher: ReminderDispatcher, clock: Clock, interval: timedelta) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._again = threading.Event()
        self._dispatching = threading.Lock()
        self._last_success: datetime | None = None
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=max(1, int(interval.total_seconds())),
            id=JOB_ID,
            # Runs overlapping a dispatch return at once (see ``tick``); APScheduler must
            # not skip them, or the wake-up they carry would wait for the next interval.
            max_instances=4,
            coalesce=True,
            misfire_grace_time=None,
        )

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

    def _dispatch(self) -> None:
        try:
            stats = self._dispatcher.run_once()
        except Exception:
            log.exception("Dispatching reminders failed; the next wake-up will try again")
            return
        self._last_success = self._clock.now()
        if stats.claimed:
            log.info(
                "Reminders: %s claimed, %s sent, %s obsolete, %s coalesced, %s retried, %s failed",
                stats.claimed, stats.sent, stats.obsolete, stats.coalesced, stats.retried,
                stats.failed,
            )  # fmt: skip

    @property
    def last_success(self) -> datetime | None:
        """When a dispatch last completed (None before the first): readiness reads it."""
        return self._last_success

    def start(self) -> None:
        self._scheduler.start()
        self.wake()

    def wake(self) -> None:
        """Run the dispatch job now (a no-op before start)."""
        if self._scheduler.running:
            self._scheduler.modify_job(JOB_ID, next_run_time=self._clock.now())

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
