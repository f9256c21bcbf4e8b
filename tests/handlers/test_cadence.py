"""The update cadence end to end: nudges, channel reminders, escalation, and updates posted
through the modal, with the clock moved across several intervals. Who is nudged and
escalated to, in its variations, is covered by tests/bot/test_flows_cadence.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ids import CadenceIds
from bot.models import Incident, StatusUpdate
from bot.services.reports import ReportSubmission, attach
from tests.handlers.cadence_support import (
    CHANNEL,
    channel_texts,
    declare,
    dms,
    open_update_modal,
    reminders_in_channel,
    rows,
    sqlite_only,
    submit_update,
)
from tests.harness import Harness


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
