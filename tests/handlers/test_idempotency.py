"""Every submission and press with a side effect has it once, however often it arrives.

Each test sends the very same signed request four times (Slack's retry, a double click
reaching two replicas) and asserts one effect: one row, one message in the fake Slack.
Some surfaces are keyed (forms on their view id, presses on message + action + action_ts);
others are idempotent by the domain's own state check, which these tests prove.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select

from bot.devtools.slack_requests import fill_view
from bot.ids import CadenceIds, IncidentActions, LiaisonIds, ReportIds, SlaActions, SlaIds
from bot.models import Incident, LiaisonAssignment, Report, StatusUpdate
from bot.services.accounts import import_accounts_csv
from tests.handlers.cadence_support import channel_texts, declare, open_update_modal
from tests.handlers.liaison_helpers import (
    announcements,
    assignments,
    dms,
    liaison_app,
    open_hand_off,
    states,
)
from tests.handlers.sla_support import first_warning, report
from tests.harness import Harness
from tests.impact_helpers import attach_report, buttons, summaries

TIMES = 4


def _replay(harness: Harness, payload: dict[str, Any]) -> list[tuple[int, str]]:
    """Post one interaction body ``TIMES`` times, byte for byte the same."""
    slack = harness.slack
    body = urlencode(
        {"payload": json.dumps({"team": {"id": "T0001"}, "api_app_id": "A0001", **payload})}
    )
    answers = []
    for _ in range(TIMES):
        result = slack.post(body, "application/x-www-form-urlencoded")
        harness.executor.wait_idle()
        answers.append((result.status, result.body))
    return answers


def _submission(view: dict[str, Any], answers: dict[str, Any], user: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower()},
        "trigger_id": "trigger.replayed",
        "view": {
            **view,
            "id": view.get("id") or "VREPLAY1",
            "state": {"values": fill_view(view, answers)},
        },
    }


def _press(
    harness: Harness,
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    message: dict[str, Any],
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower()},
        "trigger_id": "trigger.pressed",
        "response_url": harness.slack.response_url,
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": message["ts"]},
        "message": message,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "type": "button",
                "value": value,
                "action_ts": "1795427400.123456",
            }
        ],
    }


def _dm_edits(harness: Harness, user: str = "UAGENT") -> list[Any]:
    channel = harness.fake.dm_channel(user)
    return [c for c in harness.fake.calls_to("chat.update") if c.params["channel"] == channel]


def _count(harness: Harness, model: Any) -> int:
    with harness.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- Forms ---------------------------------------------------------------------------------


def test_the_update_form_submitted_four_times_posts_one_update(harness: Harness) -> None:
    declare(harness)
    view = open_update_modal(harness)
    before = len(channel_texts(harness))
    answers = {CadenceIds.status_block: "identified", CadenceIds.message_block: "Fix underway."}
    replies = _replay(harness, _submission(view, answers, "UIC"))
    assert replies == [(200, "")] * TIMES  # every delivery closes the modal
    assert _count(harness, StatusUpdate) == 1
    posted = channel_texts(harness)[before:]
    assert len(posted) == 1 and "Identified" in posted[0]


def test_a_resolving_update_submitted_four_times_resolves_and_announces_once(
    harness: Harness,
) -> None:
    declare(harness)
    view = open_update_modal(harness)
    before = len(channel_texts(harness))
    answers = {CadenceIds.status_block: "resolved", CadenceIds.message_block: "All good."}
    _replay(harness, _submission(view, answers, "UIC"))
    assert _count(harness, StatusUpdate) == 1
    posted = channel_texts(harness)[before:]
    assert sum("resolved" in text.lower() and "<@UIC>" in text for text in posted) == 2, posted
    assert len(posted) == 2  # the update itself and the resolution, each once


def test_the_report_modal_submitted_four_times_files_one_report(harness: Harness) -> None:
    import_accounts_csv(
        harness.rt.sessions, "account_id,name\nACME-1,Acme Corp\n", now=harness.clock.now()
    )
    harness.channel_created("CINC1", "inc-sev2-checkout-eu")
    harness.command("report", channel="CINC1", channel_name="inc-sev2-checkout-eu")
    view = harness.fake.calls_to("views.open")[-1].params["view"]
    answers = {
        ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
        ReportIds.summary_block: "Card payments fail.",
    }
    replies = _replay(harness, _submission(view, answers, "UAGENT"))
    assert replies == [(200, "")] * TIMES
    with harness.session() as session:
        [stored] = session.scalars(select(Report)).all()
    assert stored.submission_key == "slack:view:VREPLAY1"
    assert len(harness.fake.messages("UAGENT")) == 1  # one confirmation DM


def test_the_hand_off_form_submitted_four_times_hands_off_once(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-checkout")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    view = open_hand_off(harness, assignment, announcement)
    assert view is not None
    answers = {LiaisonIds.hand_off_user_block: "UCAM", LiaisonIds.hand_off_note_block: "Over"}
    replies = _replay(harness, _submission(view, answers, "UANA"))
    assert replies[0] == (200, "")
    assert states(harness) == [("UANA", "handed_off"), ("UCAM", "pending")]
    assert len(dms(harness, "UCAM")) == 1  # one briefing
    assert len(announcements(harness, "CINC1")) == 2  # the old one edited, one new


def test_the_sla_hand_over_form_submitted_four_times_hands_over_once(sla: Harness) -> None:
    report_id, warning = first_warning(sla, customer="Acme Corp")
    sla.block_action(
        SlaActions.hand_over,
        value=str(report_id),
        user="UAGENT",
        channel=sla.fake.dm_channel("UAGENT"),
        message={"ts": warning["ts"], "text": warning["text"], "blocks": warning["blocks"]},
    )
    view = sla.fake.calls_to("views.open")[-1].params["view"]
    answers = {SlaIds.handover_user_block: "UCOL"}
    replies = _replay(sla, _submission(view, answers, "UAGENT"))
    assert replies[0] == (200, "")
    assert report(sla, report_id).owner_user_id == "UCOL"
    notices = [m for m in sla.fake.messages("UCOL") if "handed you the ticket" in m["text"]]
    assert len(notices) == 1


# --- Commands and buttons ----------------------------------------------------------------


def test_assign_sent_four_times_names_the_liaison_once(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-checkout")
    body = urlencode(
        {
            "team_id": "T0001",
            "channel_id": "CINC1",
            "channel_name": "inc-sev1-checkout",
            "user_id": "UIC",
            "user_name": "uic",
            "command": "/liaison",
            "text": "assign <@UBEN>",
            "api_app_id": "A0001",
            "response_url": harness.slack.response_url,
            "trigger_id": "trigger.assign",
        }
    )
    for _ in range(TIMES):
        harness.slack.post(body, "application/x-www-form-urlencoded")
        harness.executor.wait_idle()
    assert states(harness) == [("UANA", "replaced"), ("UBEN", "pending")]
    assert len(dms(harness, "UBEN")) == 1
    replies = harness.replies()
    assert sum("already the Customer Liaison" in reply for reply in replies) == TIMES - 1


def test_accept_pressed_four_times_accepts_once_and_says_nothing_more(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-checkout")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    updates_before = len(harness.fake.calls_to("chat.update"))
    press = _press(
        harness,
        LiaisonIds.accept,
        str(assignment.id),
        user="UANA",
        channel="CINC1",
        message=announcement,
    )
    assert _replay(harness, press) == [(200, "")] * TIMES
    assert states(harness) == [("UANA", "accepted")]
    assert len(harness.fake.calls_to("chat.update")) == updates_before + 1
    assert harness.replies() == []  # no "already accepted" for the redeliveries

    # A new click (a new action_ts) is a new press: the domain's state answers it.
    press["actions"][0]["action_ts"] = "1795427460.000001"
    _replay(harness, press)
    assert len(harness.replies()) == 1
    assert "You already accepted" in harness.last_reply()
    with harness.session() as session:
        assert session.scalar(select(func.count()).select_from(LiaisonAssignment)) == 1


def test_mark_responded_pressed_four_times_answers_once(sla: Harness) -> None:
    report_id, warning = first_warning(sla)
    message = {"ts": warning["ts"], "text": warning["text"], "blocks": warning["blocks"]}
    press = _press(
        sla,
        SlaActions.mark_responded,
        str(report_id),
        user="UAGENT",
        channel=sla.fake.dm_channel("UAGENT"),
        message=message,
    )
    _replay(sla, press)
    assert report(sla, report_id).responded_at is not None
    assert len(_dm_edits(sla)) == 1  # the DM settled once
    assert sla.replies() == []


def test_mark_responded_is_idempotent_by_state_across_clicks(sla: Harness) -> None:
    """Two separate clicks (new action_ts each): the second is told the ticket was answered."""
    report_id, warning = first_warning(sla)
    message = {"ts": warning["ts"], "text": warning["text"], "blocks": warning["blocks"]}
    channel = sla.fake.dm_channel("UAGENT")
    for ts in ("1795427400.000001", "1795427400.000002"):
        press = _press(
            sla,
            SlaActions.mark_responded,
            str(report_id),
            user="UAGENT",
            channel=channel,
            message=message,
        )
        press["actions"][0]["action_ts"] = ts
        _replay(sla, press)
    answered = report(sla, report_id).responded_at
    sla.clock.advance(timedelta(minutes=1))
    assert report(sla, report_id).responded_at == answered
    assert len(_dm_edits(sla)) == 1
    assert len(sla.replies()) == 1 and "already" in sla.last_reply()


def test_raise_severity_pressed_four_times_raises_and_announces_once(app_factory) -> None:
    harness = app_factory(impact_hint_customers=1)
    harness.channel_created("CINC1", "inc-sev3-checkout")
    attach_report(harness.rt, 1, customer_name="Acme")
    [live] = summaries(harness.fake, "CINC1", "impact.live")
    [button] = buttons(live)
    before = len(harness.fake.messages("CINC1"))
    press = _press(
        harness,
        IncidentActions.raise_severity,
        button["value"],
        user="UIC",
        channel="CINC1",
        message=live,
    )
    _replay(harness, press)
    with harness.session() as session:
        assert session.scalars(select(Incident.severity)).one() == "sev2"
    texts = [m["text"] for m in harness.fake.messages("CINC1")[before:]]
    assert sum("changed the severity" in text for text in texts) == 1
    assert harness.replies() == []


def test_a_press_while_the_database_is_down_is_still_answered(app_factory) -> None:
    """Recording the press fails like the press's own work: the presser hears why."""
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-checkout")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    broken = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    harness.rt.sessions.configure(bind=broken)
    press = _press(
        harness,
        LiaisonIds.accept,
        str(assignment.id),
        user="UANA",
        channel="CINC1",
        message=announcement,
    )
    _replay(harness, {**press})
    assert "could not reach its database" in harness.last_reply()
