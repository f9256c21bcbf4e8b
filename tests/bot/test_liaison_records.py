"""The assignments table: one liaison per incident enforced by the database, safe transitions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot import jobs
from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.models import Incident
from bot.services.liaison import current_liaison, records
from bot.services.liaison.kinds import ASSIGN, AssignPayload
from bot.services.liaison.records import Status
from tests.handlers.liaison_helpers import liaison_app, states


def _incident(sessions, clock: FakeClock, channel: str = "C1", status: str = "open") -> int:
    with sessions.begin() as session:
        incident = Incident(
            channel_id=channel,
            channel_name=channel.lower(),
            title="Checkout",
            severity="sev1",
            status=status,
            opened_at=clock.now(),
        )
        session.add(incident)
        session.flush()
        return incident.id


def test_two_transactions_assigning_one_incident_collide_in_the_database(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    incident_id = _incident(sessions, clock)
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def assign(user_id: str) -> None:
        try:
            with sessions.begin() as session:
                nobody = records.current_liaison(session, incident_id) is None
                barrier.wait()  # both saw nobody: only the database can stop the second
                if nobody:
                    records.insert(
                        session,
                        incident_id=incident_id,
                        user_id=user_id,
                        assigned_by=records.AUTO,
                        now=clock.now(),
                    )
            outcomes.append(user_id)
        except IntegrityError:
            outcomes.append("rejected")

    threads = [threading.Thread(target=assign, args=(user,)) for user in ("UANA", "UBEN")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "rejected" and len(outcomes) == 2
    with sessions() as session:
        assert len(records.history(session, incident_id)) == 1


def test_a_second_active_assignment_is_refused_even_with_a_fresh_attempt_number(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    incident_id = _incident(sessions, clock)
    with sessions.begin() as session:
        records.insert(
            session, incident_id=incident_id, user_id="UANA", assigned_by="auto", now=clock.now()
        )
    with pytest.raises(IntegrityError), sessions.begin() as session:
        records.insert(
            session, incident_id=incident_id, user_id="UBEN", assigned_by="UIC", now=clock.now()
        )


def test_transitions_are_compare_and_set(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    incident_id = _incident(sessions, clock)
    with sessions.begin() as session:
        assignment_id = records.insert(
            session, incident_id=incident_id, user_id="UANA", assigned_by="auto", now=clock.now()
        ).id
    with sessions.begin() as session:  # the Accept click wins ...
        assert records.transition(
            session,
            assignment_id,
            allowed_from=[Status.pending],
            to=Status.accepted,
            accepted_at=clock.now(),
        )
    with sessions.begin() as session:  # ... so the timeout, a moment later, changes nothing
        assert not records.transition(
            session, assignment_id, allowed_from=[Status.pending], to=Status.timed_out
        )
    with sessions() as session:
        assert current_liaison(session, incident_id).status == "accepted"


def test_current_liaison_stays_on_record_after_resolution_and_ignores_ended_ones(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    incident_id = _incident(sessions, clock)
    with sessions.begin() as session:
        first = records.insert(
            session, incident_id=incident_id, user_id="UANA", assigned_by="auto", now=clock.now()
        )
        records.transition(session, first.id, allowed_from=records.ACTIVE, to=Status.timed_out)
        records.insert(
            session, incident_id=incident_id, user_id="UBEN", assigned_by="auto", now=clock.now()
        )
        session.get(Incident, incident_id).status = "resolved"
    with sessions() as session:
        current = current_liaison(session, incident_id)
        assert (current.user_id, current.attempt) == ("UBEN", 2)
        assert current_liaison(session, incident_id + 1) is None


def test_busy_counts_only_open_incidents_and_last_assigned_spans_all(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    open_id = _incident(sessions, clock, "C1")
    resolved_id = _incident(sessions, clock, "C2", status="resolved")
    this_id = _incident(sessions, clock, "C3")
    with sessions.begin() as session:
        records.insert(
            session, incident_id=open_id, user_id="UANA", assigned_by="auto", now=clock.now()
        )
        records.insert(
            session,
            incident_id=resolved_id,
            user_id="UBEN",
            assigned_by="auto",
            now=clock.now() + timedelta(minutes=5),
        )
    with sessions() as session:
        assert records.busy_elsewhere(session, ["UANA", "UBEN", "UCAM"], this_id) == {
            "UANA": [open_id]
        }
        assert records.busy_elsewhere(session, ["UANA"], open_id) == {}
        last = records.last_assigned(session, ["UANA", "UBEN", "UCAM"])
        assert set(last) == {"UANA", "UBEN"}
        assert last["UBEN"][0] - last["UANA"][0] == timedelta(minutes=5)


def test_racing_assign_reminders_for_one_incident_make_one_assignment(app_factory) -> None:
    """Two replicas (here: two dispatcher threads) running assign triggers at the same time."""
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.command("declare sev3 Checkout", channel="CSUPPORT", user="UIC")
    with harness.rt.sessions.begin() as session:
        incident = session.get(Incident, 1)
        for key in ("replica-a", "replica-b", "replica-c"):
            jobs.schedule(
                session,
                ASSIGN,
                AssignPayload(),
                key=f"1:{key}",
                due_at=harness.clock.now(),
                now=harness.clock.now(),
                incident_id=incident.id,
            )
    stats = harness.waker.dispatch()
    assert stats.claimed >= 3 and stats.failed == 0
    assert len(states(harness)) == 1
    assert len(harness.fake.calls_to("conversations.invite")) == 1
