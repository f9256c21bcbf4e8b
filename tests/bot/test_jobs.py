"""The jobs API and the dispatcher's rules: fold, reschedule, cancel, fan-out, typed
payloads, retry policies, the failure protocol, and finishing each job on its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, select, update

from bot import jobs
from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.dispatcher import ReminderDispatcher
from bot.jobs import (
    Fold,
    Job,
    JobFailure,
    JobKind,
    NoPayload,
    Outcome,
    Payload,
    RetryPolicy,
    store,
)
from bot.models import Incident, Reminder


class Note(Payload):
    text: str


NOTE = JobKind("test.note", Note)
REFRESH = JobKind("test.refresh", Note, fold=Fold.first, repeat_safe=True)
FRAGILE = JobKind(
    "test.fragile", NoPayload, retry=RetryPolicy(max_attempts=2, base=timedelta(seconds=10))
)


class Unreachable(JobFailure):
    """Another system's failure, speaking the protocol without being a Slack error."""

    def __init__(self, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__("unreachable")
        self.permanent = permanent
        self.retry_after = retry_after


class Crash(BaseException):
    """The process dying in the middle of a batch (nothing after it runs)."""


@pytest.fixture
def sessions(engine: Engine):
    return make_session_factory(engine)


def _rows(sessions) -> list[Reminder]:
    with sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def _incident(sessions, clock: FakeClock) -> int:
    with sessions.begin() as session:
        incident = Incident(title="t", severity="sev1", status="open", opened_at=clock.now())
        session.add(incident)
        session.flush()
        return incident.id


def test_a_burst_folds_into_one_pending_job_at_the_first_due_time(
    sessions, clock: FakeClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        for offset, text in ((5, "first"), (9, "second"), (7, "third")):
            jobs.schedule(
                session, REFRESH, Note(text=text), due_at=now + timedelta(seconds=offset),
                now=now, target="U1",
            )  # fmt: skip
        jobs.schedule(session, REFRESH, Note(text="other"), due_at=now, now=now, target="U2")
    rows = _rows(sessions)
    assert [(r.target, r.status, r.due_at, r.payload) for r in rows] == [
        ("U1", "pending", now + timedelta(seconds=5), {"text": "third"}),
        ("U2", "pending", now, {"text": "other"}),
    ]


def test_a_debounced_job_runs_at_its_own_due_time_once_for_the_burst(
    sessions, clock: FakeClock
) -> None:
    ran: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(REFRESH, lambda job: ran.append(job.payload.text) or Outcome.sent)
    for text in ("a", "b", "c"):
        with sessions.begin() as session:
            jobs.schedule(
                session, REFRESH, Note(text=text), due_at=clock.now() + timedelta(seconds=5),
                now=clock.now(), target="U1",
            )  # fmt: skip
        clock.advance(timedelta(seconds=1))
    assert dispatcher.next_due() == clock.now() + timedelta(seconds=2)
    assert dispatcher.run_once().claimed == 0
    clock.advance(timedelta(seconds=2))
    assert dispatcher.run_once().sent == 1
    assert ran == ["c"]


def test_a_running_job_is_not_folded_into_and_a_cancelled_slot_comes_back(
    sessions, clock: FakeClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        jobs.schedule(session, REFRESH, Note(text="a"), due_at=now, now=now, target="U1")
    [claimed] = store.claim_due(sessions, now=now, worker="w", limit=5, lease=timedelta(minutes=2))
    with sessions.begin() as session:  # a change committed after the claim read the state
        jobs.schedule(session, REFRESH, Note(text="b"), due_at=now, now=now, target="U1")
    with sessions.begin() as session:
        assert jobs.cancel(session, REFRESH, now=now, target="U1") == 1
        jobs.schedule(session, REFRESH, Note(text="c"), due_at=now, now=now, target="U1")
    assert [(r.status, r.payload["text"]) for r in _rows(sessions)] == [
        ("claimed", "a"),
        ("pending", "c"),
    ]
    assert claimed.dedupe_key == "test.refresh::U1~open#1"  # the slot is free again


def test_reschedule_moves_pending_jobs_sooner_only_when_asked(sessions, clock: FakeClock) -> None:
    incident_id = _incident(sessions, clock)
    now = clock.now()
    with sessions.begin() as session:
        for minutes in (10, 60):
            jobs.schedule(
                session, NOTE, Note(text=str(minutes)), key=str(minutes),
                due_at=now + timedelta(minutes=minutes), now=now, incident_id=incident_id,
            )  # fmt: skip
        moved = jobs.reschedule(
            session, NOTE, incident_id=incident_id, due_at=now + timedelta(minutes=30),
            sooner_only=True,
        )  # fmt: skip
    assert moved == 1
    assert [r.due_at - now for r in _rows(sessions)] == [
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]


def test_fan_out_writes_one_job_per_recipient_once(sessions, clock: FakeClock) -> None:
    now = clock.now()
    for _ in range(2):  # a repeated cause (a retry) adds nothing
        with sessions.begin() as session:
            jobs.fan_out(session, NOTE, ["UA", "UB", "UA"], Note(text="x"), key="esc", now=now)
    assert [(r.target, r.dedupe_key) for r in _rows(sessions)] == [
        ("UA", "test.note:esc:UA"),
        ("UB", "test.note:esc:UB"),
    ]


def test_payloads_are_typed_both_ways(sessions, clock: FakeClock) -> None:
    now = clock.now()
    with sessions.begin() as session, pytest.raises(TypeError):
        jobs.schedule(session, NOTE, NoPayload(), key="wrong", due_at=now, now=now)
    with sessions.begin() as session:
        jobs.schedule(session, NOTE, Note(text="hello"), key="ok", due_at=now, now=now)
        jobs.schedule(session, NOTE, Note(text="bad"), key="bad", due_at=now, now=now)
        session.execute(
            update(Reminder).where(Reminder.dedupe_key == "test.note:bad").values(payload={})
        )
    seen: list[Job[Note]] = []
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(NOTE, lambda job: seen.append(job) or Outcome.sent)
    stats = dispatcher.run_once()
    assert [job.payload for job in seen] == [Note(text="hello")]
    assert (stats.sent, stats.failed) == (1, 1)
    assert _rows(sessions)[1].last_error.startswith("ValidationError")


def test_the_kinds_retry_policy_sets_backoff_attempts_and_the_last_attempt(
    sessions, clock: FakeClock
) -> None:
    with sessions.begin() as session:
        jobs.schedule(session, FRAGILE, key="a", due_at=clock.now(), now=clock.now())
    last: list[bool] = []

    def handler(job: Job[NoPayload]) -> Outcome:
        last.append(job.last_attempt)
        raise TimeoutError("slow")

    dispatcher = ReminderDispatcher(sessions, clock, max_attempts=6)
    dispatcher.declare(FRAGILE, handler)
    assert dispatcher.run_once().retried == 1
    clock.advance(timedelta(seconds=9))
    assert dispatcher.run_once().claimed == 0
    clock.advance(timedelta(seconds=1))
    assert dispatcher.run_once().failed == 1  # the kind's 2 attempts, not the default 6
    assert last == [False, True]
    assert _rows(sessions)[0].status == "failed"


def test_the_failure_protocol_decides_permanent_transient_and_retry_after(
    sessions, clock: FakeClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        for key in ("permanent", "later", "bug"):
            jobs.schedule(session, NOTE, Note(text=key), key=key, due_at=now, now=now)
    failures = {
        "permanent": Unreachable(permanent=True),
        "later": Unreachable(permanent=False, retry_after=600),
        "bug": KeyError("oops"),
    }

    def handler(job: Job[Note]) -> Outcome:
        raise failures[job.payload.text]

    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(NOTE, handler)
    stats = dispatcher.run_once()
    assert (stats.failed, stats.retried) == (1, 2)
    permanent, later, bug = _rows(sessions)
    assert permanent.status == "failed"
    assert (later.status, later.due_at - now) == ("pending", timedelta(seconds=600))
    assert (bug.status, bug.due_at - now) == ("pending", timedelta(seconds=30))


def test_each_job_is_finished_right_after_it_ran_not_at_the_end_of_the_batch(
    sessions, clock: FakeClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        for key in ("first", "second"):
            jobs.schedule(session, NOTE, Note(text=key), key=key, due_at=now, now=now)

    def handler(job: Job[Note]) -> Outcome:
        if job.payload.text == "second":
            raise Crash()
        return Outcome.sent

    dispatcher = ReminderDispatcher(sessions, clock, threads=1)
    dispatcher.declare(NOTE, handler)
    with pytest.raises(Crash):
        dispatcher.run_once()
    assert [r.status for r in _rows(sessions)] == ["sent", "claimed"]


def test_a_job_run_by_a_worker_is_finished_while_the_rest_of_its_batch_still_runs(
    sessions, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        for key in ("quick", "slow"):
            jobs.schedule(session, NOTE, Note(text=key), key=key, due_at=now, now=now)
    finished = threading.Event()
    finish_done = store.finish_done

    def finishing(*args, **kwargs) -> None:
        finish_done(*args, **kwargs)
        finished.set()

    monkeypatch.setattr(store, "finish_done", finishing)
    seen: list[list[str]] = []

    def handler(job: Job[Note]) -> Outcome:
        if job.payload.text == "slow":  # still running when the quick one is recorded
            assert finished.wait(10)
            seen.append([r.status for r in _rows(sessions)])
        return Outcome.sent

    dispatcher = ReminderDispatcher(sessions, clock, threads=2)
    dispatcher.declare(NOTE, handler)
    try:
        stats = dispatcher.run_once()
    finally:
        dispatcher.close()
    assert seen == [["sent", "claimed"]]
    assert stats.sent == 2
    assert [r.status for r in _rows(sessions)] == ["sent", "sent"]


def test_next_due_is_the_earliest_pending_job_or_lease_end(sessions, clock: FakeClock) -> None:
    dispatcher = ReminderDispatcher(sessions, clock)
    assert dispatcher.next_due() is None
    now = clock.now()
    with sessions.begin() as session:
        jobs.schedule(session, NOTE, Note(text="a"), key="a", due_at=now, now=now)
        jobs.schedule(
            session, NOTE, Note(text="b"), key="b", due_at=now + timedelta(hours=1), now=now
        )
    store.claim_due(sessions, now=now, worker="dead", limit=1, lease=timedelta(minutes=2))
    assert dispatcher.next_due() == now + timedelta(minutes=2)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_causes_folding_into_a_pending_job_do_not_wait_for_each_other_and_it_waits_for_them(
    sessions,
) -> None:
    """A burst of reports on one incident: each folds into the pending refresh. They hold
    it together (no queueing on its row), and it is claimed only once they committed."""
    clock = FakeClock()
    now = clock.now()
    with sessions.begin() as session:
        jobs.fold(session, REFRESH, Note(text="same"), due_at=now, now=now, incident_id=None)
    first, second = sessions(), sessions()
    first.begin()
    second.begin()
    jobs.fold(first, REFRESH, Note(text="same"), due_at=now, now=now)
    done = threading.Event()

    def fold_again() -> None:
        jobs.fold(second, REFRESH, Note(text="same"), due_at=now, now=now)
        done.set()

    threading.Thread(target=fold_again).start()
    assert done.wait(5), "the second cause queued behind the first"
    claim = {"now": now, "worker": "w", "limit": 10, "lease": timedelta(minutes=1)}
    assert store.claim_due(sessions, **claim) == []  # not while causes are in flight
    first.commit()
    second.commit()
    first.close()
    second.close()
    assert [row.kind for row in store.claim_due(sessions, **claim)] == ["test.refresh"]
    assert len(_rows(sessions)) == 1


def test_jobs_scheduled_together_are_one_insert_with_the_same_rows_as_one_by_one(
    engine: Engine, sessions, clock: FakeClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:  # a pending refresh from an earlier cause
        jobs.schedule(session, REFRESH, Note(text="old"), due_at=now + timedelta(seconds=9),
                      now=now, target="U1")  # fmt: skip
    inserts: list[str] = []

    def count(connection, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO REMINDERS"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions.begin() as session, jobs.batched(session):
            for key in ("a", "b", "a"):  # the same key twice is one job
                jobs.schedule(session, NOTE, Note(text=key), key=key, due_at=now, now=now)
            for offset, text in ((5, "first"), (7, "second")):  # merges with the pending one
                jobs.schedule(
                    session, REFRESH, Note(text=text), due_at=now + timedelta(seconds=offset),
                    now=now, target="U1",
                )  # fmt: skip
            jobs.schedule(session, REFRESH, Note(text="new"), due_at=now, now=now, target="U2")
            assert inserts == []  # nothing written before the block ends
        with sessions.begin() as session, jobs.batched(session):  # a retried cause
            jobs.schedule(session, NOTE, Note(text="again"), key="a", due_at=now, now=now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 2
    assert sorted(
        (r.kind, r.target, r.due_at - now, r.payload["text"]) for r in _rows(sessions)
    ) == [
        ("test.note", None, timedelta(0), "a"),
        ("test.note", None, timedelta(0), "b"),
        ("test.refresh", "U1", timedelta(seconds=5), "second"),
        ("test.refresh", "U2", timedelta(0), "new"),
    ]


def test_a_kind_declared_with_prepare_reads_once_per_batch_for_all_its_jobs(
    sessions, clock: FakeClock
) -> None:
    other = JobKind("test.other", Note)
    prepared: list[list[str]] = []

    def prepare(batch: list[Job[Note]]) -> Callable[[Job[Note]], Outcome]:
        prepared.append(sorted(job.payload.text for job in batch))
        seen = {job.id: job.payload.text.upper() for job in batch}
        return lambda job: sent.append(seen[job.id]) or Outcome.sent

    def unprepared(job: Job[Note]) -> Outcome:
        raise AssertionError("ran without its batch's handler")

    sent: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock, batch_size=3)
    for kind in (NOTE, other):
        dispatcher.declare(kind, unprepared, prepare=prepare)
    with sessions.begin() as session:
        for index, kind in enumerate((NOTE, other, NOTE, other)):
            jobs.schedule(session, kind, Note(text=f"j{index}"), key=str(index),
                          due_at=clock.now(), now=clock.now())  # fmt: skip
    assert dispatcher.run_once().sent == 4
    assert prepared == [["j0", "j1", "j2"], ["j3"]]  # one read per claimed batch
    assert sorted(sent) == ["J0", "J1", "J2", "J3"]


def test_when_preparing_fails_each_job_runs_with_its_own_handler(
    sessions, clock: FakeClock
) -> None:
    def prepare(batch: list[Job[Note]]) -> Callable[[Job[Note]], Outcome]:
        raise RuntimeError("database hiccup")

    ran: list[str] = []
    dispatcher = ReminderDispatcher(sessions, clock)
    dispatcher.declare(NOTE, lambda job: ran.append(job.payload.text) or Outcome.sent,
                       prepare=prepare)  # fmt: skip
    with sessions.begin() as session:
        jobs.schedule(session, NOTE, Note(text="a"), key="a", due_at=clock.now(), now=clock.now())
    assert dispatcher.run_once().sent == 1
    assert ran == ["a"]
