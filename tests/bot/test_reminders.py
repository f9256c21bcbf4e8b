"""Durable jobs in the table: dedupe, cancellation, atomic claims, leases, coalescing."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, select

from bot import jobs
from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.dispatcher import ReminderDispatcher
from bot.jobs import Coalesce, Job, JobKind, NoPayload, Outcome, store
from bot.models import Incident, Reminder
from bot.slack.client import SlackDeliveryError

PING = JobKind("test.ping", NoPayload)
NAG = JobKind("test.nag", NoPayload, coalesce=Coalesce.newest)
OTHER = JobKind("test.other", NoPayload)
KINDS = {kind.name: kind for kind in (PING, NAG, OTHER)}
DueReminder = Job[NoPayload]


def _schedule(
    sessions, clock: FakeClock, key: str, *, in_minutes: int = 0, kind: str = "test.ping"
) -> bool:
    with sessions.begin() as session:
        return jobs.schedule(
            session,
            KINDS[kind],
            key=key,
            due_at=clock.now() + timedelta(minutes=in_minutes),
            now=clock.now(),
            target="U1",
        )


def _statuses(sessions) -> dict[str, str]:
    with sessions() as session:
        return {r.dedupe_key.split(":", 1)[1]: r.status for r in session.scalars(select(Reminder))}


def test_the_same_dedupe_key_is_stored_once(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    assert _schedule(sessions, clock, "k1") is True
    assert _schedule(sessions, clock, "k1") is False
    assert list(_statuses(sessions)) == ["k1"]


def test_only_due_reminders_are_sent_and_each_once(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "now")
    _schedule(sessions, clock, "later", in_minutes=10)
    sent: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, lambda r: sent.append(r.dedupe_key.split(":", 1)[1]) or Outcome.sent)
    assert dispatcher.run_once().sent == 1
    assert dispatcher.run_once().sent == 0
    clock.advance(timedelta(minutes=10))
    assert dispatcher.run_once().sent == 1
    assert sent == ["now", "later"]
    assert _statuses(sessions) == {"now": "sent", "later": "sent"}


def test_cancelled_reminders_are_never_sent(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a", in_minutes=5)
    with sessions.begin() as session:
        assert jobs.cancel(session, PING, now=clock.now()) == 1
    clock.advance(timedelta(minutes=6))
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, lambda r: Outcome.sent)
    assert dispatcher.run_once().claimed == 0
    assert _statuses(sessions) == {"a": "cancelled"}


def test_an_obsolete_reminder_is_recorded_as_cancelled(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a")
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, lambda r: Outcome.obsolete)
    assert dispatcher.run_once().obsolete == 1
    assert _statuses(sessions) == {"a": "cancelled"}


def test_transient_failures_retry_with_backoff_then_succeed(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a")
    failures = iter([SlackDeliveryError("chat.postMessage", "ratelimited", permanent=False)])

    def handler(reminder: DueReminder) -> Outcome:
        failure = next(failures, None)
        if failure:
            raise failure
        return Outcome.sent

    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, handler)
    assert dispatcher.run_once().retried == 1
    assert dispatcher.run_once().claimed == 0  # backing off
    clock.advance(timedelta(seconds=30))
    assert dispatcher.run_once().sent == 1
    with sessions() as session:
        row = session.scalars(select(Reminder)).one()
    assert (row.status, row.attempts, row.last_error) == (
        "sent",
        2,
        "SlackDeliveryError: chat.postMessage failed: ratelimited",
    )


def test_permanent_failures_are_recorded_and_not_retried(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a")

    def handler(reminder: DueReminder) -> Outcome:
        raise SlackDeliveryError("chat.postMessage", "is_archived", permanent=True)

    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, handler)
    assert dispatcher.run_once().failed == 1
    clock.advance(timedelta(hours=1))
    assert dispatcher.run_once().claimed == 0
    assert _statuses(sessions) == {"a": "failed"}


def test_transient_failures_give_up_after_max_attempts(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a")
    dispatcher = ReminderDispatcher(sessions, clock, max_attempts=3)

    def handler(reminder: DueReminder) -> Outcome:
        raise TimeoutError("slack is slow")

    dispatcher.declare(PING, handler)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(timedelta(minutes=15))
    assert _statuses(sessions) == {"a": "failed"}


def test_a_claim_whose_lease_ran_out_is_claimed_again(engine: Engine, clock: FakeClock) -> None:
    """A process killed mid-send leaves a claimed row; another picks it up after the lease."""
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a")
    crashed = store.claim_due(
        sessions, now=clock.now(), worker="dead", limit=10, lease=timedelta(minutes=2)
    )
    assert [r.dedupe_key for r in crashed] == ["test.ping:a"]
    dispatcher = ReminderDispatcher(sessions, clock, lease=timedelta(minutes=2))
    dispatcher.declare(PING, lambda r: Outcome.sent)
    assert dispatcher.run_once().claimed == 0
    clock.advance(timedelta(minutes=2))
    assert dispatcher.run_once().sent == 1


def test_concurrent_dispatchers_never_claim_the_same_reminder(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        for index in range(300):
            jobs.schedule(session, PING, key=f"k{index}", due_at=clock.now(), now=clock.now())
    seen: list[str] = []
    lock = threading.Lock()

    def handler(reminder: DueReminder) -> Outcome:
        with lock:
            seen.append(reminder.dedupe_key)
        return Outcome.sent

    dispatchers = []
    for index in range(4):
        dispatcher = ReminderDispatcher(sessions, clock, worker_id=f"w{index}", batch_size=25)
        dispatcher.declare(PING, handler)
        dispatchers.append(dispatcher)
    threads = [threading.Thread(target=d.run_once) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 300
    assert len(set(seen)) == 300
    assert set(_statuses(sessions).values()) == {"sent"}


def _incident(sessions, clock: FakeClock, channel: str = "C1") -> int:
    with sessions.begin() as session:
        incident = Incident(
            channel_id=channel, title="t", severity="sev1", status="open", opened_at=clock.now()
        )
        session.add(incident)
        session.flush()
        return incident.id


def _pile_up(sessions, clock: FakeClock, incident_id: int, keys: list[str], **kw) -> None:
    with sessions.begin() as session:
        for offset, key in enumerate(keys):
            jobs.schedule(
                session,
                KINDS[kw.get("kind", "test.nag")],
                key=key,
                due_at=clock.now() - timedelta(minutes=len(keys) - offset),
                now=clock.now(),
                incident_id=incident_id,
                target=kw.get("target"),
            )


def test_a_cancelled_reminder_can_be_revived_but_a_sent_one_cannot(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    _schedule(sessions, clock, "a", in_minutes=5)
    _schedule(sessions, clock, "b")
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(PING, lambda r: Outcome.sent)
    dispatcher.run_once()
    with sessions.begin() as session:
        jobs.cancel(session, PING, now=clock.now())
    with sessions.begin() as session:
        assert not jobs.schedule(session, PING, key="a", due_at=clock.now(), now=clock.now())
    assert _statuses(sessions) == {"a": "cancelled", "b": "sent"}
    with sessions.begin() as session:
        for key in ("a", "b"):
            jobs.schedule(
                session,
                PING,
                key=key,
                due_at=clock.now() + timedelta(minutes=1),
                now=clock.now(),
                revive=True,
            )
    assert _statuses(sessions) == {"a": "pending", "b": "sent"}
    clock.advance(timedelta(minutes=1))
    assert dispatcher.run_once().sent == 1


def test_a_pile_up_of_one_kind_sends_only_the_newest(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    first, second = _incident(sessions, clock, "C1"), _incident(sessions, clock, "C2")
    _pile_up(sessions, clock, first, ["1a", "1b", "1c", "1d"])
    _pile_up(sessions, clock, second, ["2a", "2b"])
    _pile_up(sessions, clock, first, ["1x", "1y"], target="UESC")
    _pile_up(sessions, clock, first, ["other"], kind="test.other")
    sent: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock, batch_size=3)
    dispatcher.declare(NAG, lambda r: sent.append(r.dedupe_key.split(":", 1)[1]) or Outcome.sent)
    dispatcher.declare(OTHER, lambda r: sent.append(r.dedupe_key.split(":", 1)[1]) or Outcome.sent)
    stats = dispatcher.run_once()
    assert sorted(sent) == ["1d", "1y", "2b", "other"]
    assert (stats.claimed, stats.sent, stats.coalesced) == (9, 4, 5)
    assert _statuses(sessions)["1a"] == "cancelled"


def test_an_older_reminder_reclaimed_after_a_crash_is_not_sent_after_a_newer_one(
    engine: Engine, clock: FakeClock
) -> None:
    """A worker died holding the older row; the newer one was sent meanwhile."""
    sessions = make_session_factory(engine)
    incident_id = _incident(sessions, clock)
    _pile_up(sessions, clock, incident_id, ["old"])
    store.claim_due(sessions, now=clock.now(), worker="dead", limit=1, lease=timedelta(minutes=2))
    _pile_up(sessions, clock, incident_id, ["new"])
    sent: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(NAG, lambda r: sent.append(r.dedupe_key.split(":", 1)[1]) or Outcome.sent)
    dispatcher.run_once()
    clock.advance(timedelta(minutes=3))
    dispatcher.run_once()
    assert sent == ["new"]
    assert _statuses(sessions) == {"old": "cancelled", "new": "sent"}


def test_a_batch_running_out_of_lease_releases_the_rest_unsent(
    engine: Engine, clock: FakeClock
) -> None:
    """Slack so slow that the claim would lapse: nothing is sent on an expired claim."""
    sessions = make_session_factory(engine)
    for key in ("a", "b", "c"):
        _schedule(sessions, clock, key)
    sent: list[str] = []

    def slow(reminder: DueReminder) -> Outcome:
        sent.append(reminder.dedupe_key.split(":", 1)[1])
        clock.advance(timedelta(minutes=2))
        return Outcome.sent

    dispatcher = ReminderDispatcher(
        sessions, clock, lease=timedelta(minutes=2), threads=1, max_batches=1
    )
    dispatcher.declare(PING, slow)
    stats = dispatcher.run_once()
    assert (stats.sent, stats.released, sent) == (1, 2, ["a"])
    assert _statuses(sessions) == {"a": "sent", "b": "pending", "c": "pending"}
    with sessions() as session:
        assert {r.attempts for r in session.scalars(select(Reminder))} == {1, 0}
    dispatcher.run_once()
    assert sent == ["a", "b"]
