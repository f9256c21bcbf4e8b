"""The update cadence end to end: nudges, channel reminders, escalation, and updates posted
through the modal, with the clock moved across several intervals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import reminders
from bot.dispatcher import Outcome
from bot.ids import CadenceIds
from bot.models import Incident, LiaisonAssignment, Reminder, StatusUpdate
from bot.services.cadence_nudges import handle_reminder
from bot.services.reports import ReportSubmission, attach
from tests.harness import Harness

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CHANNEL = "CINC"


def declare(harness: Harness, severity: str = "sev1", user: str = "UIC") -> None:
    harness.fake.add_channel(CHANNEL, "inc-checkout", members=["UBOT"])
    harness.command(
        f"declare {severity} Checkout down", channel=CHANNEL, channel_name="inc-checkout", user=user
    )


def channel_texts(harness: Harness) -> list[str]:
    return [m["text"] for m in harness.fake.messages(CHANNEL)]


def reminders_in_channel(harness: Harness, about: str = "status update") -> list[str]:
    """Cadence reminders in the incident channel about one milestone, oldest first."""
    return [t for t in channel_texts(harness) if t.startswith(":alarm_clock:") and about in t]


def dms(harness: Harness, user: str) -> list[dict[str, Any]]:
    return harness.fake.messages(user)


def open_update_modal(harness: Harness, user: str = "UIC") -> dict[str, Any]:
    harness.command("update", channel=CHANNEL, user=user)
    [call] = harness.fake.calls_to("views.open")[-1:]
    view_id = max(harness.fake.views, key=lambda v: int(v[1:]) if v[1:].isdigit() else 0)
    view = harness.fake.views[view_id]
    assert view["callback_id"] == CadenceIds.update_modal, call
    return view


def submit_update(harness: Harness, answers: dict[str, Any], user: str = "UIC") -> Any:
    view = open_update_modal(harness, user)
    return harness.view_submission(view, answers, user=user)


def rows(harness: Harness, kind_prefix: str = "cadence.") -> list[Reminder]:
    with harness.session() as session:
        return list(
            session.scalars(
                select(Reminder)
                .where(Reminder.kind.startswith(kind_prefix))
                .order_by(Reminder.due_at, Reminder.id)
            )
        )


def test_a_silent_sev1_gets_a_nudge_a_channel_reminder_then_an_escalation(app_factory) -> None:
    harness = app_factory(liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    declare(harness)
    harness.advance(timedelta(minutes=12))
    assert not [m for m in dms(harness, "UIC") if "status update" in m["text"]]

    harness.advance(timedelta(minutes=1))  # 10:13, two minutes before the deadline
    [nudge] = [m for m in dms(harness, "UIC") if "status update" in m["text"]]
    assert "A status update for *incident #1* (Checkout down, sev1) is due in 2m" in nudge["text"]
    assert "`/liaison update`" in nudge["text"]
    [button] = nudge["blocks"][1]["elements"]
    assert (button["action_id"], button["value"]) == (CadenceIds.post_update, "1")

    harness.advance(timedelta(minutes=2))  # 10:15: the deadline
    [due] = reminders_in_channel(harness)
    assert "A status update for *incident #1* is due now" in due
    assert "customers were promised one every 15m" in due

    harness.advance(timedelta(minutes=15))  # 10:30: overdue by a full interval
    [escalation] = [m for m in dms(harness, "UESC") if "A status update is" in m["text"]]
    assert "*Escalation: incident #1*" in escalation["text"]
    assert "A status update is overdue by 15m" in escalation["text"]
    assert "nobody has the role" in escalation["text"]
    assert "overdue by 15m" in reminders_in_channel(harness)[-1]

    harness.advance(timedelta(minutes=15))  # 10:45: the channel keeps the rhythm
    assert len(reminders_in_channel(harness)) == 3
    assert "overdue by 30m" in reminders_in_channel(harness)[-1]
    assert len([m for m in dms(harness, "UESC") if "A status update is" in m["text"]]) == 1
    assert len([m for m in dms(harness, "UIC") if "status update" in m["text"]]) == 1


@sqlite_only
def test_posting_an_update_resets_the_clock_and_cancels_that_intervals_nudges(
    harness: Harness,
) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=10))
    response = submit_update(
        harness,
        {
            CadenceIds.status_block: "identified",
            CadenceIds.message_block: "We found the cause & are fixing it.",
            CadenceIds.note_block: "Rolling back deploy 4812",
            CadenceIds.next_block: "600",
        },
    )
    assert response.status == 200 and response.body == ""
    posted = channel_texts(harness)[-1]
    assert "Status update · incident #1* · Identified — posted by <@UIC>" in posted
    message = harness.fake.messages(CHANNEL)[-1]
    assert ">We found the cause &amp; are fixing it." in message["blocks"][1]["text"]["text"]
    details = message["blocks"][2]["elements"][0]["text"]
    assert "*Internal note:* Rolling back deploy 4812" in details
    with harness.session() as session:
        update = session.scalars(select(StatusUpdate)).one()
        incident = session.get(Incident, 1)
        assert update.message_ts == message["ts"]
        assert (update.status, update.posted_by) == ("identified", "UIC")
        assert incident.last_update_at == harness.clock.now()
        assert incident.assessed_at == harness.clock.now()  # the first update assesses

    harness.advance(timedelta(minutes=5))  # 10:15, the old deadline: nothing
    assert reminders_in_channel(harness) == []
    harness.advance(timedelta(minutes=3))  # 10:18: two minutes before the promised 10:20
    nudges = [m["text"] for m in dms(harness, "UIC") if "status update" in m["text"]]
    assert len(nudges) == 1 and "is due in 2m" in nudges[0]
    assert "The last one went out" in nudges[0]
    old = [r for r in rows(harness, "cadence.update") if r.status == "cancelled"]
    assert {r.kind for r in old} == {
        "cadence.update.nudge",
        "cadence.update.due",
        "cadence.update.escalate",
    }


@sqlite_only
def test_the_modal_drafts_the_customer_message_from_the_incidents_facts(
    harness: Harness,
) -> None:
    declare(harness)
    for name, region in (("Acme", "eu-west"), ("Globex", "eu-west"), ("Initech", "us-east")):
        attach(
            harness.rt,
            ReportSubmission(
                incident_id=1, customer_name=name, region=region, features=["checkout"],
                summary="Cannot pay",
            ),
            agent_id="UAGENT",
        )  # fmt: skip
    view = open_update_modal(harness)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    draft = inputs[CadenceIds.message_block]["initial_value"]
    assert draft.startswith("We are aware of an issue affecting checkout in eu-west, us-east")
    assert "started around 2026-11-23 10:00 UTC" in draft
    assert "another update within 15 minutes" in draft
    assert inputs[CadenceIds.affected_block]["initial_value"] == "checkout in eu-west, us-east"
    assert inputs[CadenceIds.status_block]["initial_option"]["value"] == "investigating"
    choices = [o["value"] for o in inputs[CadenceIds.next_block]["options"]]
    assert choices == ["300", "600", "900"]  # never later than the sev1 interval
    intro = view["blocks"][0]["text"]["text"]
    assert "Posting this also records the impact assessment" in intro


@sqlite_only
def test_an_empty_customer_message_is_refused_inline(harness: Harness) -> None:
    declare(harness)
    response = submit_update(harness, {CadenceIds.message_block: "  "})
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            CadenceIds.message_block: "Write the message for customers (the draft is a "
            "starting point)."
        },
    }
    with harness.session() as session:
        assert session.scalars(select(StatusUpdate)).all() == []


@sqlite_only
def test_choosing_resolved_resolves_and_stops_the_cadence(harness: Harness) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=20))  # the 10:15 reminder went out
    submit_update(
        harness,
        {CadenceIds.status_block: "resolved", CadenceIds.message_block: "All good again."},
    )
    with harness.session() as session:
        incident = session.get(Incident, 1)
        assert (incident.status, incident.resolved_by) == ("resolved", "UIC")
    texts = channel_texts(harness)
    assert any("· Resolved — posted by <@UIC>" in t for t in texts)
    assert "resolved *incident #1* after 20m" in texts[-1]
    reminders_before = len(reminders_in_channel(harness))
    harness.advance(timedelta(hours=2))
    assert len(reminders_in_channel(harness)) == reminders_before
    pending = {r.kind for r in rows(harness) if r.status == "pending"}
    assert pending == {
        "cadence.prelim.nudge", "cadence.prelim.due", "cadence.prelim.escalate",
        "cadence.pir.nudge", "cadence.pir.due", "cadence.pir.escalate",
    }  # fmt: skip


@sqlite_only
def test_the_assessment_is_due_five_minutes_after_the_first_report(harness: Harness) -> None:
    declare(harness, severity="sev3")
    harness.advance(timedelta(minutes=30))
    for name in ("Acme", "Globex"):
        attach(
            harness.rt,
            ReportSubmission(incident_id=1, customer_name=name, summary="Broken"),
            agent_id="UAGENT",
        )
        harness.advance(timedelta(minutes=1))
    # 10:32: first report at 10:30, so the nudge comes at 10:33
    harness.advance(timedelta(minutes=1))
    [nudge] = [m["text"] for m in dms(harness, "UIC") if "impact assessment" in m["text"]]
    assert "is due in 2m" in nudge
    assert "the clock started when the first customer report came in" in nudge
    harness.command("assessed", channel=CHANNEL, user="UIC")
    assert (
        "<@UIC> recorded the impact assessment for *incident #1*, on time."
        in (channel_texts(harness)[-1])
    )
    harness.advance(timedelta(minutes=30))
    assert reminders_in_channel(harness, "impact assessment") == []
    harness.command("assessed", channel=CHANNEL, user="UIC")
    assert "already recorded" in harness.last_reply()


@sqlite_only
def test_an_incident_opened_as_major_is_assessed_from_its_opening(app_factory) -> None:
    harness = app_factory(liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    declare(harness, severity="sev2")
    harness.advance(timedelta(minutes=5))
    [due] = reminders_in_channel(harness, "impact assessment")
    assert "The impact assessment for *incident #1* is due now" in due
    assert "the clock started when it opened" in due
    harness.advance(timedelta(minutes=5))
    [escalation] = [m["text"] for m in dms(harness, "UESC") if "*Escalation" in m["text"]]
    assert "The impact assessment is overdue by 5m" in escalation


@sqlite_only
def test_nudges_go_to_the_current_liaison(harness: Harness) -> None:
    harness.fake.add_user("ULIA", "liaison")
    declare(harness)
    with harness.rt.sessions.begin() as session:
        session.add(
            LiaisonAssignment(
                incident_id=1, user_id="ULIA", status="accepted", assigned_by="auto",
                assigned_at=harness.clock.now(), attempt=1,
            )
        )  # fmt: skip
    harness.advance(timedelta(minutes=13))
    assert [m for m in dms(harness, "ULIA") if "status update" in m["text"]]
    harness.advance(timedelta(minutes=2))
    assert not [m for m in dms(harness, "UIC") if "status update" in m["text"]]
    assert reminders_in_channel(harness)[-1].startswith(":alarm_clock: <@ULIA> A status update")


@sqlite_only
def test_escalation_to_a_user_group_tells_each_member_once(app_factory) -> None:
    harness = app_factory(liaison_escalation="SONCALL")
    harness.fake.add_user("UON1", "first")
    harness.fake.add_user("UON2", "second")
    harness.fake.add_usergroup("SONCALL", "oncall", ["UON1", "UON2"])
    declare(harness)
    harness.advance(timedelta(minutes=15))
    harness.fake.fail("chat.postMessage", "internal_error", times=1)
    stats = harness.advance(timedelta(minutes=15))  # 10:30: one DM (or the reminder) fails
    assert stats.retried == 1
    harness.advance(timedelta(seconds=30))  # the backoff
    for member in ("UON1", "UON2"):
        texts = [m["text"] for m in dms(harness, member)]
        assert len([t for t in texts if "A status update is overdue by" in t]) == 1
        assert len([t for t in texts if "The impact assessment is overdue" in t]) == 1
    assert len(reminders_in_channel(harness)) == 2


@sqlite_only
def test_report_deadlines_count_business_days_across_a_holiday_and_a_weekend(
    app_factory,
) -> None:
    harness = app_factory(holidays_country="US", liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    harness.clock.set(harness.clock.now().replace(day=25, hour=15))  # Wed 25 Nov 2026
    declare(harness, severity="sev2")
    harness.command("resolve Fixed", channel=CHANNEL, user="UIC")
    due = {r.kind: r.due_at.strftime("%a %d %b %H:%M") for r in rows(harness, "cadence.p")}
    assert due == {
        "cadence.prelim.nudge": "Fri 27 Nov 13:00",  # Thu 26 is Thanksgiving
        "cadence.prelim.due": "Fri 27 Nov 15:00",
        "cadence.prelim.escalate": "Mon 30 Nov 15:00",  # over the weekend
        "cadence.pir.nudge": "Thu 03 Dec 13:00",
        "cadence.pir.due": "Thu 03 Dec 15:00",
        "cadence.pir.escalate": "Thu 10 Dec 15:00",
    }
    harness.advance(timedelta(days=1, hours=22))  # Fri 13:00
    [nudge] = [m["text"] for m in dms(harness, "UIC") if "report" in m["text"]]
    assert "The preliminary incident report for *incident #1* (Checkout down) is due in 2h" in nudge
    assert "`/liaison prelim <link>`" in nudge
    harness.advance(timedelta(hours=3))  # Fri 16:00
    assert (
        "preliminary incident report for *incident #1* is overdue by 1h"
        in (reminders_in_channel(harness, "preliminary")[-1])
    )
    harness.command("prelim https://docs.example.com/inc-1-prelim", channel=CHANNEL, user="UIC")
    assert (
        "<@UIC> delivered the preliminary incident report for *incident #1*: "
        "<https://docs.example.com/inc-1-prelim> (1h after it was due)."
    ) in channel_texts(harness)[-1]
    harness.advance(timedelta(days=4))  # Tue 1 Dec: no prelim escalation on Monday
    assert [m for m in dms(harness, "UESC") if "*Escalation" in m["text"]] == []
    harness.advance(timedelta(days=1, hours=21))  # Thu 3 Dec 13:00
    assert any("post-incident report" in m["text"] for m in dms(harness, "UIC"))
    with harness.session() as session:
        incident = session.get(Incident, 1)
        assert incident.prelim_report_url == "https://docs.example.com/inc-1-prelim"
        assert incident.pir_delivered_at is None


@sqlite_only
def test_resolving_stops_the_cadence_and_reopening_restarts_it(harness: Harness) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=5))
    harness.command("resolve", channel=CHANNEL, user="UIC")
    harness.advance(timedelta(minutes=30))
    assert reminders_in_channel(harness) == []
    harness.command("reopen", channel=CHANNEL, user="UIC")  # 10:35
    assert {r.status for r in rows(harness, "cadence.p")} == {"cancelled"}
    harness.advance(timedelta(minutes=15))
    [due] = reminders_in_channel(harness)
    assert "Nothing was posted since it was reopened" in due


@sqlite_only
def test_raising_the_severity_tightens_the_deadline(harness: Harness) -> None:
    declare(harness, severity="sev3")
    harness.advance(timedelta(minutes=20))
    assert reminders_in_channel(harness) == []  # sev3: due at 11:00
    harness.command("severity sev1", channel=CHANNEL, user="UIC")
    [due] = reminders_in_channel(harness)
    assert "is overdue by 5m" in due
    harness.advance(timedelta(minutes=3))  # an assessment is now due from becoming major
    [nudge] = [m["text"] for m in dms(harness, "UIC") if "impact assessment" in m["text"]]
    assert "the clock started when it became a major incident" in nudge


@sqlite_only
def test_a_transient_slack_error_is_retried_with_backoff(harness: Harness) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=14))
    harness.fake.rate_limit("chat.postMessage", retry_after=0, times=4)  # beyond the client's
    stats = harness.advance(timedelta(minutes=1))
    assert (stats.retried, reminders_in_channel(harness)) == (1, [])
    harness.advance(timedelta(seconds=30))
    assert len(reminders_in_channel(harness)) == 1


@sqlite_only
def test_a_permanent_slack_error_is_recorded_and_not_retried(app_factory) -> None:
    harness = app_factory(liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    declare(harness)
    harness.fake.add_channel(CHANNEL, "inc-checkout", archived=True, members=["UBOT"])
    harness.advance(timedelta(minutes=15))
    failed = {r.kind: r.last_error for r in rows(harness) if r.status == "failed"}
    assert failed == {
        "cadence.assessment.due": "SlackDeliveryError: chat.postMessage failed: is_archived",
        "cadence.update.due": "SlackDeliveryError: chat.postMessage failed: is_archived",
    }
    calls = len(harness.fake.calls_to("chat.postMessage"))
    harness.advance(timedelta(minutes=14))
    assert len(harness.fake.calls_to("chat.postMessage")) == calls
    harness.advance(timedelta(minutes=1))
    escalations = [m for m in dms(harness, "UESC") if "*Escalation" in m["text"]]
    assert len(escalations) == 2  # the escalations still go out


@sqlite_only
def test_a_claimed_nudge_whose_update_was_posted_meanwhile_is_not_sent(harness: Harness) -> None:
    declare(harness)
    harness.clock.advance(timedelta(minutes=13))
    due = reminders.claim_due(
        harness.rt.sessions, now=harness.clock.now(), worker="other", limit=10,
        lease=timedelta(minutes=2),
    )  # fmt: skip
    [claimed] = [r for r in due if r.kind == "cadence.update.nudge"]
    submit_update(harness, {CadenceIds.message_block: "Still on it."})
    sent_before = len(harness.fake.calls_to("chat.postMessage"))
    assert handle_reminder(harness.rt, claimed) is Outcome.obsolete
    assert len(harness.fake.calls_to("chat.postMessage")) == sent_before


@sqlite_only
def test_the_post_update_button_opens_the_modal(harness: Harness) -> None:
    declare(harness)
    harness.block_action(CadenceIds.post_update, value="1", user="UIC", channel="DUIC")
    [call] = harness.fake.calls_to("views.open")
    assert call.params["trigger_id"].startswith("trigger.")
    harness.command("resolve", channel=CHANNEL)
    harness.block_action(CadenceIds.post_update, value="1", user="UIC", channel="DUIC")
    assert "Incident #1 is resolved" in harness.last_reply()
    assert len(harness.fake.calls_to("views.open")) == 1


@sqlite_only
def test_milestone_commands_explain_what_is_missing(harness: Harness) -> None:
    harness.command("update", channel="CGENERAL")
    assert "not an incident channel" in harness.last_reply()
    declare(harness)
    harness.command("prelim", channel=CHANNEL)
    assert "Give the report's link" in harness.last_reply()
    assert "Usage: `/liaison prelim &lt;link&gt;`" in harness.last_reply()
    harness.command("pir not-a-link", channel=CHANNEL)
    assert "an http or https URL" in harness.last_reply()
    help_text = harness.command("help").body
    for usage in ("update", "assessed", "prelim &lt;link&gt;", "pir &lt;link&gt;"):
        assert f"`/liaison {usage}`" in help_text


@sqlite_only
def test_a_next_update_later_than_the_severity_allows_is_refused_inline(
    harness: Harness,
) -> None:
    declare(harness, severity="sev3")
    view = open_update_modal(harness)  # offers up to 1h
    harness.command("severity sev1", channel=CHANNEL, user="UIC")
    response = harness.view_submission(
        view, {CadenceIds.message_block: "Looking into it.", CadenceIds.next_block: "3600"}
    )
    assert response.json()["errors"] == {
        CadenceIds.next_block: "A sev1 incident promises an update at least every 15m; "
        "choose that or sooner."
    }
    with harness.session() as session:
        assert session.scalars(select(StatusUpdate)).all() == []


@sqlite_only
def test_a_report_link_pasted_in_slack_is_stored_as_its_address(harness: Harness) -> None:
    declare(harness)
    harness.command("resolve", channel=CHANNEL)
    harness.command("pir <https://docs.example.com/r?id=1&amp;v=2|PIR: checkout>", channel=CHANNEL)
    with harness.session() as session:
        incident = session.get(Incident, 1)
        assert incident.pir_url == "https://docs.example.com/r?id=1&v=2"
    assert "<https://docs.example.com/r?id=1&amp;v=2>" in channel_texts(harness)[-1]
    assert {r.status for r in rows(harness, "cadence.pir")} == {"cancelled"}
    assert {r.status for r in rows(harness, "cadence.prelim")} == {"pending"}
