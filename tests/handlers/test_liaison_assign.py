"""Automatic Customer Liaison assignment, end to end over signed HTTP against the fake Slack.

The choice among pool members (fairness, working hours, busy and deactivated members) and
Slack failures while setting up are fast flow tests in tests/bot/test_flows_liaison.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
