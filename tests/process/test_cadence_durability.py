"""Durable cadence reminders across real processes: `python app.py` (gunicorn, HTTP mode)
killed with SIGKILL and restarted, and two processes sharing one PostgreSQL database.

Time passing while the app is down is simulated by moving the stored times back, so the
tests wait only for the subprocesses to deliver (fake.wait_for, polling the database).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot import jobs
from bot.db import make_session_factory
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_requests import SlackRequests
from bot.models import Incident, Reminder
from bot.services.cadence_plan import KINDS, Milestone, Stage
from tests.conftest import SIGNING_SECRET
from tests.process.support import seed_overdue_incidents, wait_until_settled


def _travel_back(engine: Engine, delta: timedelta) -> None:
    """Make it look as if ``delta`` passed: every stored time moves back by it."""
    shift = int(delta.total_seconds())
    with make_session_factory(engine).begin() as session:
        for incident in session.scalars(select(Incident)):
            incident.opened_at -= delta
            if incident.became_major_at:
                incident.became_major_at -= delta
            if incident.assessment_due_at:
                incident.assessment_due_at -= delta
        for row in session.scalars(select(Reminder)):
            row.due_at -= delta
            row.created_at -= delta
            if row.lease_until:
                row.lease_until -= delta
            if "due" in row.payload:
                row.payload = {
                    **row.payload,
                    "due": row.payload["due"] - shift,
                    "since": row.payload["since"] - shift,
                }


def _texts(fake: FakeSlack, channel: str, containing: str) -> list[str]:
    return [m["text"] for m in fake.messages(channel) if containing in m["text"]]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_kill_9_then_restart_loses_no_nudge_and_sends_the_overdue_ones_once(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake = fake_slack
    fake.add_user("UESC", "oncall-lead")
    fake.add_channel("CINC", "inc-checkout", members=["UBOT"])
    fake.add_channel("CSLOW", "inc-slow", members=["UBOT"])
    [first] = apps("first", REMINDER_LEASE="1s")
    slack = SlackRequests(first.url, SIGNING_SECRET, response_url=fake.response_url())
    assert slack.command("declare sev1 Checkout down", channel="CINC", user="UIC").status == 200
    fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "CINC")
    wait_until_settled(engine)  # what the declaration set off (liaison DMs) is done

    # Crash in the middle of a send: Slack got the message, the app never saw the answer.
    fake.delay("chat.postMessage", 5)
    [slow] = seed_overdue_incidents(engine, ["CSLOW"], overdue=timedelta(minutes=1))
    fake.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == "CSLOW", timeout=15
    )
    first.kill9()
    fake.delay("chat.postMessage", 0)

    # An hour passes while nothing runs; the update repeats due meanwhile piled up too.
    _travel_back(engine, timedelta(hours=1))
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        [due] = session.scalars(
            select(Reminder).where(Reminder.incident_id == 1, Reminder.kind == "cadence.update.due")
        ).all()
        kind = KINDS[Milestone.update, Stage.due]
        for repeat in (1, 2, 3):
            jobs.schedule(
                session, kind, kind.load(due.payload), key=f"{due.dedupe_key}:{repeat}",
                due_at=due.due_at + repeat * timedelta(minutes=15), now=due.created_at,
                incident_id=1,
            )  # fmt: skip

    [second] = apps("second")
    wait_until_settled(engine)
    second.kill9()

    assert len(_texts(fake, "CINC", "A status update for *incident #1* is overdue by")) == 1
    assert len(_texts(fake, "CINC", "The impact assessment for *incident #1* is overdue")) == 1
    assert len(_texts(fake, "UESC", "A status update is overdue by")) == 1
    assert len(_texts(fake, "UESC", "The impact assessment is overdue by")) == 1
    assert _texts(fake, "UIC", "is due in") == []  # stale nudges are not sent late
    # Slack got it before the crash: the reclaimed reminder finds it and does not repeat it.
    assert len(_texts(fake, "CSLOW", "A status update")) == 1
    with sessions() as session:
        statuses = Counter(
            (row.incident_id, row.kind, row.status)
            for row in session.scalars(select(Reminder).where(Reminder.due_at <= datetime.now(UTC)))
        )
        assert statuses[(1, "cadence.update.due", "sent")] == 1
        assert statuses[(1, "cadence.update.due", "cancelled")] == 3  # coalesced
        assert statuses[(slow, "cadence.update.due", "sent")] == 1
        assert not [key for key in statuses if key[2] in ("pending", "claimed", "failed")]
        repeat = session.scalars(
            select(Reminder).where(Reminder.status == "pending", Reminder.incident_id == 1)
        ).all()
        assert [r.kind for r in repeat] == ["cadence.update.due"]  # the rhythm goes on


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_processes_on_one_postgresql_database_send_each_reminder_exactly_once(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake = fake_slack
    count = 200
    channels = [f"C{index:04d}" for index in range(count)]
    for channel in channels:
        fake.add_channel(channel, channel.lower(), members=["UBOT"])
    apps("one", "two", REMINDER_BATCH_SIZE="25")
    fake.delay("chat.postMessage", 0.1)  # Slack takes its time: both processes get a share
    seed_overdue_incidents(engine, channels, overdue=timedelta(minutes=2))
    wait_until_settled(engine, timeout=30)

    per_channel = Counter(call.params.get("channel") for call in fake.calls_to("chat.postMessage"))
    assert per_channel == dict.fromkeys(channels, 1)
    with make_session_factory(engine)() as session:
        sent = session.execute(
            select(Reminder.claimed_by, Reminder.status).where(
                Reminder.kind == "cadence.update.due", Reminder.due_at <= datetime.now(UTC)
            )
        ).all()
    assert Counter(status for _, status in sent) == {"sent": count}
    assert len({worker for worker, _ in sent}) == 2, "both processes should have sent some"
