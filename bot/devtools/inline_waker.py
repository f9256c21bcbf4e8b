"""Dispatches due reminders synchronously when woken (tests and the demo).

Production wakes the APScheduler job in the background; in tests the dispatch must have
happened by the time the request's listener finishes, so it runs in the caller's thread.
A dispatch that causes another wake (a handler changing state) loops instead of nesting.
"""

from __future__ import annotations

import threading

from bot.dispatcher import DispatchStats, ReminderDispatcher


class InlineWaker:
    def __init__(self, dispatcher: ReminderDispatcher) -> None:
        self._dispatcher = dispatcher
        self._local = threading.local()

    def __call__(self) -> None:
        if getattr(self._local, "running", False):
            self._local.again = True
            return
        self._local.running = True
        try:
            while True:
                self._local.again = False
                self._dispatcher.run_once()
                if not self._local.again:
                    break
        finally:
            self._local.running = False

    def dispatch(self) -> DispatchStats:
        """Run one dispatch now (after moving a fake clock, say)."""
        return self._dispatcher.run_once()
