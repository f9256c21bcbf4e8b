"""Exactly-once messages: a job run again after its earlier attempt reached Slack finds its
tagged message in the conversation's history instead of posting a second copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import jobs
from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.devtools.fake_slack import FakeSlack
from bot.dispatcher import ReminderDispatcher
from bot.jobs import Job, JobKind, Outcome, Payload, store
from bot.jobs.outbox import OutboxNotifier, RunningJob
from bot.slack.client import make_web_client
from bot.slack.notifier import JOB_EVENT_TYPE, SlackNotifier


class Say(Payload):
    to: str
    text: str


SAY = JobKind("test.say", Say)
LEASE = timedelta(minutes=2)


@pytest.fixture
def now_clock() -> FakeClock:
    """The fake Slack stamps messages with the wall clock, so the app's clock starts there."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


def _setup(engine: Engine, fake: FakeSlack, clock: FakeClock) -> tuple[Any, ReminderDispatcher]:
    sessions = make_session_factory(engine)
    dispatcher = ReminderDispatcher(sessions, clock, lease=LEASE)
    notifier = OutboxNotifier(
        SlackNotifier(make_web_client("xoxb-test", fake.url)), dispatcher.scope
    )

    def say(job: Job[Say]) -> Outcome:
        notifier.post(job.payload.to, job.payload.text)
        notifier.post(job.payload.to, f"{job.payload.text} (details)")
        return Outcome.sent

    dispatcher.declare(SAY, say)
    return sessions, dispatcher, notifier  # type: ignore[return-value]


def _schedule(sessions: Any, clock: FakeClock, to: str) -> None:
    with sessions.begin() as session:
        jobs.schedule(
            session, SAY, Say(to=to, text="Update overdue"), key=to, due_at=clock.now(),
            now=clock.now(),
        )  # fmt: skip


def _crash_after(sessions: Any, notifier: OutboxNotifier, dispatcher, clock, posts: int) -> None:
    """A first attempt claims the job and dies after ``posts`` of its messages reached Slack."""
    [row] = store.claim_due(sessions, now=clock.now(), worker="dead", limit=1, lease=LEASE)
    with dispatcher.scope.running(RunningJob(key=row.dedupe_key, look_since=None)):
        for index in range(posts):
            text = "Update overdue" if index == 0 else "Update overdue (details)"
            notifier.post(row.payload["to"], text)


def _texts(fake: FakeSlack, channel: str) -> list[str]:
    return [message["text"] for message in fake.messages(channel)]


@pytest.mark.parametrize("to", ["CGENERAL", "UAGENT"], ids=["channel", "dm"])
@pytest.mark.parametrize("posted", [0, 1, 2])
def test_a_reclaimed_job_posts_only_what_its_earlier_attempt_did_not(
    engine: Engine, fake_slack: FakeSlack, now_clock: FakeClock, to: str, posted: int
) -> None:
    fake_slack.add_channel("CGENERAL", "general", members=["UBOT"])
    sessions, dispatcher, notifier = _setup(engine, fake_slack, now_clock)
    _schedule(sessions, now_clock, to)
    _crash_after(sessions, notifier, dispatcher, now_clock, posts=posted)

    now_clock.advance(LEASE)  # the dead attempt's lease runs out
    assert dispatcher.run_once().sent == 1
    assert _texts(fake_slack, to) == ["Update overdue", "Update overdue (details)"]
    tags = [m["metadata"] for m in fake_slack.messages(to)]
    assert [tag["event_type"] for tag in tags] == [JOB_EVENT_TYPE] * 2
    assert tags[0]["event_payload"]["job"] != tags[1]["event_payload"]["job"]


def test_a_first_attempt_does_not_read_history(
    engine: Engine, fake_slack: FakeSlack, now_clock: FakeClock
) -> None:
    fake_slack.add_channel("CGENERAL", "general", members=["UBOT"])
    sessions, dispatcher, _ = _setup(engine, fake_slack, now_clock)
    _schedule(sessions, now_clock, "CGENERAL")
    assert dispatcher.run_once().sent == 1
    assert fake_slack.calls_to("conversations.history") == []
    assert len(_texts(fake_slack, "CGENERAL")) == 2


def test_a_message_deleted_in_between_is_posted_again(
    engine: Engine, fake_slack: FakeSlack, now_clock: FakeClock
) -> None:
    """The documented limit: history is the only record, so a deleted message is re-sent."""
    fake_slack.add_channel("CGENERAL", "general", members=["UBOT"])
    sessions, dispatcher, notifier = _setup(engine, fake_slack, now_clock)
    _schedule(sessions, now_clock, "CGENERAL")
    _crash_after(sessions, notifier, dispatcher, now_clock, posts=1)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url + "/")
    client.chat_delete(channel="CGENERAL", ts=fake_slack.messages("CGENERAL")[0]["ts"])
    now_clock.advance(LEASE)
    dispatcher.run_once()
    assert _texts(fake_slack, "CGENERAL") == ["Update overdue", "Update overdue (details)"]


def test_the_fake_slack_shows_metadata_in_history_only_when_asked(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.url + "/")
    fake_slack.add_channel("CGENERAL", "general", members=["UBOT"])
    tag = {"event_type": "liaison_job", "event_payload": {"job": "k"}}
    client.chat_postMessage(channel="CGENERAL", text="one", metadata=tag)
    client.chat_postMessage(channel="CGENERAL", text="two")
    plain = client.conversations_history(channel="CGENERAL")["messages"]
    full = client.conversations_history(channel="CGENERAL", include_all_metadata=True)["messages"]
    assert [m["text"] for m in plain] == ["two", "one"]  # newest first
    assert all("metadata" not in m for m in plain)
    assert [m.get("metadata") for m in full] == [None, tag]
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert (
        client.conversations_history(channel="CGENERAL", oldest=str(later.timestamp()))["messages"]
        == []
    )
