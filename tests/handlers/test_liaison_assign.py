"""Automatic Customer Liaison assignment, end to end over signed HTTP against the fake Slack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.ids import LiaisonIds
from tests.handlers.liaison_helpers import (
    ESCALATION,
    announcements,
    assignments,
    buttons,
    dms,
    invited,
    liaison_app,
    sqlite_only,
    states,
)


def test_a_major_channel_delivered_three_times_gets_one_invite_announcement_and_dm(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.fake.add_channel("CINC1", "inc-sev1-checkout")
    event = {
        "type": "channel_created",
        "channel": {"id": "CINC1", "name": "inc-sev1-checkout", "creator": "UIC"},
    }
    for retry in (None, 1, 2):
        harness.event(event, event_id="Ev1", retry_num=retry)

    assert states(harness) == [("UANA", "pending")]
    assert invited(harness) == [("CINC1", "UANA")]
    [announcement] = announcements(harness, "CINC1")
    assert "<@UANA> is the *Customer Liaison* for *incident #1*" in announcement["text"]
    assert "please *Accept* or *Hand off* within 5m" in announcement["text"]
    assert buttons(announcement) == [LiaisonIds.accept, LiaisonIds.hand_off]
    [checklist] = dms(harness, "UANA")
    assert "*Customer Liaison* for *incident #1*" in checklist
    assert harness.fake.channels["CINC1"].topic == "Customer Liaison: Ana Liaison"
    assert [c.params["channel"] for c in harness.fake.calls_to("conversations.join")] == ["CINC1"]
    [assignment] = assignments(harness)
    assert (assignment.assigned_by, assignment.announcement_ts) == ("auto", announcement["ts"])


@sqlite_only
def test_the_checklist_dm_names_cadence_commands_and_report_count(app_factory) -> None:
    harness = liaison_app(
        app_factory,
        "UANA",
        cadence_update_intervals="sev2=10m",
        cadence_assessment_due="7m",
        cadence_prelim_business_days=2,
        cadence_pir_business_days=4,
    )
    harness.channel_created("CINC1", "inc-sev2-login")
    [checklist] = dms(harness, "UANA")
    for expected in (
        "Impact assessment within 7m of the first customer report",
        "A status update every 10m until the incident is resolved",
        "preliminary incident report within 2 business days of resolution",
        "full post-incident report within 4 business days of closure",
        "`/liaison update`",
        "`/liaison assessed`",
        "`/liaison impact`",
        "`/liaison who`",
        "*So far*: 0 customer reports from 0 distinct customers",
        "in <#CINC1>",
    ):
        assert expected in checklist, expected
    [dm] = harness.fake.messages("UANA")
    assert buttons(dm) == [LiaisonIds.accept, LiaisonIds.hand_off]


def test_declare_and_channel_created_racing_assign_one_liaison(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.fake.add_channel("CRACE", "inc-sev1-race")
    event = {
        "type": "channel_created",
        "channel": {"id": "CRACE", "name": "inc-sev1-race", "creator": "UIC"},
    }
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(harness.slack.event, event, event_id=f"Ev{i}") for i in range(3)]
        futures += [
            pool.submit(harness.slack.command, "declare sev1 Race", channel="CRACE", user="UIC")
            for _ in range(3)
        ]
        assert all(f.result().status == 200 for f in futures)
    harness.executor.wait_idle()
    harness.waker.dispatch()  # whatever a racing wake-up left for the scheduler's next tick

    assert len(states(harness)) == 1
    assert len(invited(harness)) == 1
    assert len(announcements(harness, "CRACE")) == 1
    [liaison] = {user for user, _ in states(harness)}
    assert len(dms(harness, liaison)) == 1


def test_raising_the_severity_to_major_assigns_a_liaison_once(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.command("declare sev3 Search slow", channel="CSUPPORT", user="UIC")
    assert states(harness) == []
    harness.command("severity sev2", channel="CSUPPORT", user="UIC")
    assert states(harness) == [("UANA", "pending")]
    harness.command("severity sev3", channel="CSUPPORT", user="UIC")
    harness.command("severity sev1", channel="CSUPPORT", user="UIC")
    assert states(harness) == [("UANA", "pending")]
    assert len(invited(harness)) == 1


def test_fairness_the_member_assigned_least_recently_goes_first(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN", "UCAM")
    chosen = []
    for number in range(1, 5):
        harness.channel_created(f"CINC{number}", f"inc-sev1-outage-{number}")
        [assignment] = assignments(harness, number)
        chosen.append(assignment.user_id)
        harness.command("resolve fixed", channel=f"CINC{number}", user="UIC")
        harness.clock.advance(timedelta(minutes=30))
    assert chosen == ["UANA", "UBEN", "UCAM", "UANA"]


def test_members_busy_on_another_open_incident_are_skipped_until_nobody_else_is_left(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-one")
    harness.channel_created("CINC2", "inc-sev1-two")
    assert [a.user_id for a in assignments(harness)] == ["UANA", "UBEN"]
    harness.clock.advance(timedelta(minutes=1))
    harness.channel_created("CINC3", "inc-sev1-three")
    [third] = assignments(harness, 3)
    assert third.user_id == "UANA"  # both busy: the least recently assigned
    note = announcements(harness, "CINC3")[0]["text"]
    assert "Nobody in the liaison pool is free and inside working hours" in note
    assert "they are already liaison on incident #1" in note


@sqlite_only
def test_working_hours_are_read_in_each_members_own_time_zone(app_factory) -> None:
    harness = liaison_app(app_factory, "UDAN", "UEMI", "UANA")
    harness.channel_created("CINC1", "inc-sev1-morning")  # 10:00 UTC
    assert [a.user_id for a in assignments(harness, 1)] == ["UANA"]  # Berlin 11:00
    harness.command("resolve fixed", channel="CINC1", user="UIC")

    harness.clock.advance(timedelta(hours=7, minutes=30))  # 17:30 UTC, Monday
    harness.channel_created("CINC2", "inc-sev1-evening")
    assert [a.user_id for a in assignments(harness, 2)] == ["UDAN"]  # Los Angeles 09:30
    assert "Nobody in the liaison pool" not in announcements(harness, "CINC2")[0]["text"]


@sqlite_only
def test_when_everyone_is_off_hours_the_best_available_is_taken_and_it_is_said(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UDAN", "UEMI")
    harness.channel_created("CINC1", "inc-sev1-night")
    [assignment] = assignments(harness)
    assert assignment.user_id == "UDAN"  # first in the pool; nobody was ever assigned
    text = announcements(harness, "CINC1")[0]["text"]
    assert "so <@UDAN> was chosen as the best available" in text
    assert "it is Mon 02:00 America/Los_Angeles for them, outside their working hours" in text


@sqlite_only
def test_weekends_count_as_outside_working_hours(app_factory, clock) -> None:
    clock.advance(timedelta(days=5))  # Saturday 10:00 UTC
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-weekend")
    text = announcements(harness, "CINC1")[0]["text"]
    assert "it is Sat 11:00 Europe/Berlin for them" in text


@sqlite_only
def test_deactivated_members_are_never_asked(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN", group=False)
    harness.fake.add_user("UANA", "ana", real_name="Ana Liaison", tz="Europe/Berlin", deleted=True)
    harness.channel_created("CINC1", "inc-sev1-db")
    assert states(harness) == [("UBEN", "pending")]


def test_an_empty_pool_is_said_in_the_channel_and_to_the_escalation_contact(app_factory) -> None:
    harness = liaison_app(app_factory)  # the user group exists but has nobody in it
    harness.channel_created("CINC1", "inc-sev1-db")
    assert states(harness) == []
    assert invited(harness) == []
    [notice] = [
        m["text"] for m in harness.fake.messages("CINC1") if "no Customer Liaison" in m["text"]
    ]
    assert "nobody in the liaison pool can be asked" in notice
    assert f"<@{ESCALATION}> has been told" in notice
    assert "`/liaison assign @someone`" in notice
    [escalation] = dms(harness, ESCALATION)
    assert "*Incident #1*" in escalation and "has no Customer Liaison" in escalation


@sqlite_only
def test_an_unreadable_user_group_is_said_and_nothing_crashes(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.fail("usergroups.users.list", "no_such_subteam")
    harness.channel_created("CINC1", "inc-sev1-db")
    assert states(harness) == []
    [notice] = [
        m["text"] for m in harness.fake.messages("CINC1") if "no Customer Liaison" in m["text"]
    ]
    assert "could not be read from Slack (`SPOOL: no_such_subteam`)" in notice
    assert len(dms(harness, ESCALATION)) == 1


def test_a_transient_pool_failure_is_said_once_then_retried(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.fail("usergroups.users.list", "internal_error")
    harness.channel_created("CINC1", "inc-sev1-db")
    notices = [
        m["text"] for m in harness.fake.messages("CINC1") if "no Customer Liaison" in m["text"]
    ]
    assert len(notices) == 1 and "I will keep trying" in notices[0]
    assert states(harness) == []

    harness.advance(timedelta(seconds=30))
    assert states(harness) == [("UANA", "pending")]
    assert len(announcements(harness, "CINC1")) == 2  # the notice, then the announcement


@sqlite_only
def test_a_channel_the_bot_is_already_in_is_not_joined_again(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.fake.add_channel("CINC1", "inc-sev1-db", members=["UBOT", "UIC"])
    harness.event(
        {
            "type": "channel_created",
            "channel": {"id": "CINC1", "name": "inc-sev1-db", "creator": "UIC"},
        }
    )
    assert harness.fake.calls_to("conversations.join") == []
    assert invited(harness) == [("CINC1", "UANA")]


@sqlite_only
def test_the_topic_keeps_what_it_said_and_replaces_the_previous_liaison(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.command("declare sev3 Checkout", channel="CSUPPORT", user="UIC")
    harness.rt.notifier.set_topic("CSUPPORT", "IC: Casey | Bridge: zoom.us/j/1")
    harness.command("severity sev1", channel="CSUPPORT", user="UIC")
    assert harness.fake.channels["CSUPPORT"].topic == (
        "IC: Casey | Bridge: zoom.us/j/1 | Customer Liaison: Ana Liaison"
    )
    harness.command("assign <@UBEN|ben>", channel="CSUPPORT", user="UIC")
    assert harness.fake.channels["CSUPPORT"].topic == (
        "IC: Casey | Bridge: zoom.us/j/1 | Customer Liaison: Ben Liaison"
    )


@sqlite_only
def test_an_escalation_user_group_gets_each_member_a_dm(app_factory) -> None:
    harness = liaison_app(app_factory, liaison_escalation="SESC")
    harness.fake.add_usergroup("SESC", "incident-managers", [ESCALATION, "UIC"])
    harness.channel_created("CINC1", "inc-sev1-db")
    [notice] = [m["text"] for m in harness.fake.messages("CINC1") if "has been told" in m["text"]]
    assert "<!subteam^SESC> has been told" in notice
    assert len(dms(harness, ESCALATION)) == 1
    assert len(dms(harness, "UIC")) == 1
