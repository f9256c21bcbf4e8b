"""The scheduler's wake-ups: one dispatch at a time, none lost while one runs, and the next
one at the earliest due job rather than the next fixed tick."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock, SystemClock
from bot.dispatcher import DispatchStats
from bot.scheduler import MIN_GAP, ReminderScheduler


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


def test_a_report_waking_the_scheduler_during_a_dispatch_gets_one_more_round() -> None:
    dispatcher = BlockingDispatcher()
    scheduler = _scheduler(dispatcher)  # never started: no APScheduler thread to poke
    first = threading.Thread(target=scheduler.tick)
    first.start()
    assert dispatcher.first_started.wait(timeout=10)

    for _ in range(3):  # reports committed while the dispatch runs
        scheduler.wake()
    dispatcher.release_first.set()
    first.join(timeout=10)
    assert dispatcher.runs == 2


def test_a_quiet_tick_dispatches_once() -> None:
    dispatcher = BlockingDispatcher()
    dispatcher.release_first.set()
    scheduler = _scheduler(dispatcher)
    scheduler.tick()
    assert dispatcher.runs == 1


class DueDispatcher:
    """Answers when the next job is due, as the jobs table would."""

    def __init__(self, due: datetime | None) -> None:
        self.due = due
        self.runs = 0

    def run_once(self) -> DispatchStats:
        self.runs += 1
        return DispatchStats()

    def next_due(self) -> datetime | None:
        return self.due

    def close(self) -> None:
        pass


def test_the_next_wake_up_is_the_next_due_job_when_sooner_than_the_interval() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    now = clock.now()
    dispatcher = DueDispatcher(now + timedelta(seconds=3))
    scheduler = ReminderScheduler(dispatcher, clock, timedelta(seconds=10))  # type: ignore[arg-type]
    assert scheduler.next_wake(now) == now + timedelta(seconds=3)
    dispatcher.due = now + timedelta(seconds=30)  # the interval's own tick comes first
    assert scheduler.next_wake(now) is None
    dispatcher.due = now - timedelta(seconds=1)  # due but taken by another replica
    assert scheduler.next_wake(now) == now + MIN_GAP
    dispatcher.due = None
    assert scheduler.next_wake(now) is None


def test_last_success_is_when_a_dispatch_last_completed() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    scheduler = ReminderScheduler(DueDispatcher(None), clock, timedelta(seconds=10))  # type: ignore[arg-type]
    assert scheduler.last_success is None
    scheduler.tick()
    assert scheduler.last_success == clock.now()


def test_a_started_scheduler_wakes_at_the_next_due_job() -> None:
    """Real time, bounded: a job due in 0.3 s runs long before the 10 s interval."""
    clock = SystemClock()
    dispatcher = DueDispatcher(None)
    scheduler = ReminderScheduler(dispatcher, clock, timedelta(seconds=10))  # type: ignore[arg-type]
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while dispatcher.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # polling the scheduler's thread
        dispatcher.due = clock.now() + timedelta(milliseconds=300)
        scheduler.wake()
        started = time.monotonic()
        while dispatcher.runs < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert dispatcher.runs >= 3, "the due job's wake-up never came"
        assert time.monotonic() - started < 3
    finally:
        scheduler.shutdown()
