"""Accept timeouts and Web API failures part way through a liaison's setup."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import jobs
from bot.ids import LiaisonIds
from bot.models import Reminder
from bot.services.liaison.kinds import CHECKLIST
from tests.handlers.liaison_helpers import (
    ESCALATION,
    announcements,
    assignments,
    buttons,
    click,
    dms,
    invited,
    liaison_app,
    sqlite_only,
    states,
)


def test_nobody_accepting_moves_to_the_next_member_until_the_pool_is_exhausted(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.advance(timedelta(minutes=4, seconds=59))
    assert states(harness) == [("UANA", "pending")]

    harness.advance(timedelta(seconds=1))
    assert states(harness) == [("UANA", "timed_out"), ("UBEN", "pending")]
    assert invited(harness) == [("CINC1", "UANA"), ("CINC1", "UBEN")]
    first, second = announcements(harness, "CINC1")
    assert (
        "<@UANA> did not accept the Customer Liaison role for *incident #1* within 5m"
        in (first["text"])
    )
    assert "<@UBEN> is asked next" in first["text"]
    assert buttons(first) == []  # edited in place: no stale buttons
    assert "<@UANA> did not accept within 5m, so the next member" in second["text"]
    assert len(dms(harness, "UBEN")) == 1
    [moved] = dms(harness, ESCALATION)
    assert "<@UANA> did not accept the Customer Liaison role within 5m" in moved
    assert "so I asked <@UBEN> next" in moved
    assert moved.startswith(":hourglass: *Incident #1* — Payments (*sev1*): ")

    harness.advance(timedelta(minutes=5))
    assert states(harness) == [("UANA", "timed_out"), ("UBEN", "timed_out")]
    exhausted = harness.fake.messages("CINC1")[-1]["text"]
    assert "everyone in the liaison pool was asked and nobody accepted (<@UANA>, <@UBEN>)" in (
        exhausted
    )
    assert "has no Customer Liaison" in dms(harness, ESCALATION)[-1]

    harness.advance(timedelta(minutes=30))
    assert len(assignments(harness)) == 2  # exhausted stays exhausted: no loop


def test_the_accept_timeout_survives_a_restart(app_factory) -> None:
    first = liaison_app(app_factory, "UANA", "UBEN")
    first.channel_created("CINC1", "inc-sev1-payments")
    assert states(first) == [("UANA", "pending")]

    restarted = app_factory(liaison_usergroup="SPOOL", liaison_escalation=ESCALATION)
    restarted.advance(timedelta(minutes=5))
    assert states(restarted) == [("UANA", "timed_out"), ("UBEN", "pending")]
    assert len(dms(restarted, "UBEN")) == 1


def test_a_late_accept_after_the_pool_ran_out_still_counts(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.advance(timedelta(minutes=5))
    assert states(harness) == [("UANA", "timed_out")]
    [assignment] = assignments(harness)
    [dm] = harness.fake.messages("UANA")
    click(harness, LiaisonIds.accept, assignment.id, user="UANA", channel="DUANA", message=dm)
    assert states(harness) == [("UANA", "accepted")]
    [assignment] = assignments(harness)
    assert assignment.ended_at is None
    assert assignment.accepted_at == harness.clock.now()


def test_accepting_cancels_the_timeout(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    harness.clock.advance(timedelta(minutes=2))
    click(
        harness,
        LiaisonIds.accept,
        assignment.id,
        user="UANA",
        channel="CINC1",
        message=announcement,
    )
    harness.advance(timedelta(minutes=10))
    assert states(harness) == [("UANA", "accepted")]
    with harness.session() as session:
        statuses = dict(session.execute(select(Reminder.kind, Reminder.status)).all())
    assert statuses["liaison.accept_timeout"] == "cancelled"


def test_resolving_stops_the_timeout_and_keeps_the_liaison_on_record(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.command("resolve done", channel="CINC1", user="UIC")
    harness.advance(timedelta(minutes=10))
    assert states(harness) == [("UANA", "pending")]


def test_an_invite_refused_because_the_person_left_asks_the_next_member(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.fake.fail("conversations.invite", "user_is_inactive")
    harness.channel_created("CINC1", "inc-sev1-payments")

    assert states(harness) == [("UANA", "unreachable"), ("UBEN", "pending")]
    assert dms(harness, "UANA") == []  # never told about a role they could not take
    [announcement] = announcements(harness, "CINC1")
    assert "<@UANA> could not be added to this channel (`user_is_inactive`)" in announcement["text"]
    assert "<@UBEN> is the *Customer Liaison*" in announcement["text"]
    [escalation] = dms(harness, ESCALATION)
    assert "<@UANA> could not be added to <#CINC1> (`user_is_inactive`)" in escalation
    assert harness.fake.channels["CINC1"].topic == "Customer Liaison: Ben Liaison"


@sqlite_only
def test_an_archived_channel_is_reported_and_the_assignment_stays_consistent(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.fake.add_channel("CINC2", "inc-sev1-archived", archived=True)
    harness.command("declare sev1 Archived", channel="CINC2", user="UIC")

    assert states(harness, 2) == [("UBEN", "pending")]
    assert invited(harness) == [("CINC1", "UANA")]
    assert harness.fake.messages("CINC2") == []
    assert len(dms(harness, "UBEN")) == 1  # the liaison still learns they hold the role
    [escalation] = dms(harness, ESCALATION)
    assert "<@UBEN> is the Customer Liaison for *incident #2*" in escalation
    assert "the channel could not be used (`is_archived`)" in escalation


@sqlite_only
def test_a_private_channel_the_app_is_not_in_is_reported(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.add_channel("GPRIV", "inc-sev1-secret", is_private=True, members=["UIC"])
    harness.command("declare sev1 Secret", channel="GPRIV", user="UIC")
    assert states(harness) == [("UANA", "pending")]
    assert invited(harness) == []
    [escalation] = dms(harness, ESCALATION)
    assert "I could not join the channel (`not_in_channel`)" in escalation
    assert "invite me with `/invite @Liaison`" in escalation


@sqlite_only
def test_a_topic_refused_is_named_in_the_announcement(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.fail("conversations.setTopic", "restricted_action")
    harness.channel_created("CINC1", "inc-sev1-payments")
    [announcement] = announcements(harness, "CINC1")
    assert (
        "I could not put their name in the channel topic (`restricted_action`)"
        in (announcement["text"])
    )
    assert len(dms(harness, ESCALATION)) == 1
    assert states(harness) == [("UANA", "pending")]


def test_a_transient_failure_retries_without_a_second_announcement(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.fail("chat.postMessage", "internal_error")  # the first post: the announcement
    harness.channel_created("CINC1", "inc-sev1-payments")
    assert announcements(harness, "CINC1") == []
    harness.advance(timedelta(seconds=30))
    assert len(announcements(harness, "CINC1")) == 1
    assert len(dms(harness, "UANA")) == 1
    assert len(invited(harness)) == 2  # repeated harmlessly: already in the channel


@sqlite_only
def test_an_undeliverable_checklist_is_told_to_the_escalation_contact(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.channel_created("CINC1", "inc-sev1-payments")
    [assignment] = assignments(harness)
    with harness.session() as session:
        payload = session.scalar(
            select(Reminder.payload).where(Reminder.kind == "liaison.checklist")
        )
    with harness.rt.sessions.begin() as session:  # the DM due again, as after a crash
        jobs.schedule(
            session,
            CHECKLIST,
            CHECKLIST.load(payload),
            key="again",
            due_at=harness.clock.now(),
            now=harness.clock.now(),
            incident_id=assignment.incident_id,
        )
    harness.fake.fail("chat.postMessage", "cannot_dm_bot")
    harness.waker.dispatch()
    harness.waker.dispatch()
    [escalation] = dms(harness, ESCALATION)
    assert "I could not send <@UANA> their Customer Liaison checklist" in escalation
    assert "(`cannot_dm_bot`)" in escalation


def test_a_pool_failing_at_timeout_leaves_the_asked_person_in_place_and_retries(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    messages_before = len(harness.fake.messages("CINC1"))
    harness.fake.fail("usergroups.users.list", "internal_error")
    harness.advance(timedelta(minutes=5))
    assert states(harness) == [("UANA", "pending")]  # may still accept meanwhile
    assert len(harness.fake.messages("CINC1")) == messages_before
    harness.advance(timedelta(seconds=30))
    assert states(harness) == [("UANA", "timed_out"), ("UBEN", "pending")]


@sqlite_only
def test_a_failure_that_keeps_coming_back_is_reported_instead_of_retried_forever(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.fail("conversations.setTopic", "internal_error", times=10)
    harness.channel_created("CINC1", "inc-sev1-payments")
    for seconds in (30, 60, 119):
        harness.advance(timedelta(seconds=seconds))
        assert announcements(harness, "CINC1") == []
    harness.advance(timedelta(seconds=1))  # the fourth attempt goes ahead without the topic
    [announcement] = announcements(harness, "CINC1")
    assert (
        "I could not put their name in the channel topic (`internal_error`)"
        in (announcement["text"])
    )
    assert len(dms(harness, "UANA")) == 1
    assert "(`internal_error`)" in dms(harness, ESCALATION)[0]
