"""The scheduler's wake-ups: one dispatch at a time, and none lost while one runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.dispatcher import DispatchStats
from bot.scheduler import ReminderScheduler


class BlockingDispatcher:
    """Counts dispatches; the first one waits until the test lets it finish."""

    def __init__(self) -> None:
        self.runs = 0
        self.first_started = threading.Event()
        self.release_first = threading.Event()

    def run_once(self) -> DispatchStats:
        self.runs += 1
        if self.runs == 1:
            self.first_started.set()
            assert self.release_first.wait(timeout=10)
        return DispatchStats()


def _scheduler(dispatcher: BlockingDispatcher) -> ReminderScheduler:
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    return ReminderScheduler(dispatcher, clock, timedelta(seconds=10))  # type: ignore[arg-type]


def test_a_wake_up_during_a_dispatch_runs_it_once_more() -> None:
    dispatcher = BlockingDispatcher()
    scheduler = _scheduler(dispatcher)
    first = threading.Thread(target=scheduler.tick)
    first.start()
    assert dispatcher.first_started.wait(timeout=10)

    for _ in range(3):  # wake-ups while the first dispatch runs: they return at once
        scheduler.tick()
    assert dispatcher.runs == 1

    dispatcher.release_first.set()
    first.join(timeout=10)
    assert dispatcher.runs == 2  # the three wake-ups fold into one more dispatch


def test_a_quiet_tick_dispatches_once() -> None:
    dispatcher = BlockingDispatcher()
    dispatcher.release_first.set()
    scheduler = _scheduler(dispatcher)
    scheduler.tick()
    assert dispatcher.runs == 1
