"""Fuzzed but signed payloads: a clear answer where the user looks, never a traceback.

Each case starts from a real form (or button) and damages one value the way a hostile
or broken client could: a NUL byte, 10,000 characters, year 99999, an integer past
PostgreSQL's range, a string where Slack sends an object, no user. The answer is an
inline modal error or a private message; what was stored before is still there.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.devtools.slack_requests import fill_view
from bot.ids import CadenceIds, LiaisonIds, ReportIds, SlaActions
from bot.models import Incident, Report, StatusUpdate
from bot.services.accounts import import_accounts_csv
from tests.handlers.cadence_support import declare, open_update_modal
from tests.handlers.liaison_helpers import (
    announcements,
    assignments,
    liaison_app,
    open_hand_off,
    states,
)
from tests.handlers.sla_support import first_warning, report
from tests.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MINIMAL = {
    ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
    ReportIds.summary_block: "Card payments fail at checkout.",
}
DAMAGED = "This form arrived damaged, so nothing was saved. Close it and open it again."
UNREADABLE = "This answer could not be read; answer it again."


def _interaction(harness: Harness, payload: dict[str, Any]) -> Any:
    body = {"team": {"id": "T0001"}, "api_app_id": "A0001", **payload}
    result = harness.slack.post(
        urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
    )
    harness.executor.wait_idle()
    assert result.status == 200, result
    return result.json() if result.body else None


def _report_modal(harness: Harness) -> dict[str, Any]:
    """An incident with one report already filed, and a fresh report modal."""
    import_accounts_csv(
        harness.rt.sessions, "account_id,name\nACME-1,Acme Corp\n", now=harness.clock.now()
    )
    harness.channel_created("CINC1", "inc-sev2-checkout-eu")
    harness.command("report", channel="CINC1", channel_name="inc-sev2-checkout-eu")
    first = harness.fake.calls_to("views.open")[-1].params["view"]
    assert harness.view_submission(first, MINIMAL).body == ""
    harness.command("report", channel="CINC1", channel_name="inc-sev2-checkout-eu")
    return harness.fake.calls_to("views.open")[-1].params["view"]


def _submission(view: dict[str, Any], values: Any, *, user: Any = "UAGENT") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "view_submission",
        "trigger_id": "trigger.fuzz",
        "view": {**view, "id": "VFUZZ1", "state": {"values": values}},
    }
    if user is not None:
        payload["user"] = {"id": user} if isinstance(user, str) else user
    return payload


def _summaries(harness: Harness) -> list[str]:
    with harness.session() as session:
        return list(session.scalars(select(Report.summary).order_by(Report.id)))


def _errors(answer: dict[str, Any]) -> dict[str, str]:
    assert answer["response_action"] == "errors", answer
    return answer["errors"]


# --- The report modal ----------------------------------------------------------------------


def test_a_nul_byte_in_the_summary_is_removed_not_a_database_error(harness: Harness) -> None:
    view = _report_modal(harness)
    values = fill_view(
        view, {**MINIMAL, ReportIds.summary_block: "Card\x00 declined\x1b[31m\nsince 9:00\tUTC"}
    )
    assert _interaction(harness, _submission(view, values)) is None  # the modal closes
    assert _summaries(harness) == [
        "Card payments fail at checkout.",
        "Card declined[31m\nsince 9:00\tUTC",
    ]


@pytest.mark.parametrize(
    ("block", "value", "error"),
    [
        (ReportIds.ticket_block, "T" * 10_000, "Keep the ticket under 300 characters."),
        (ReportIds.version_block, "4." * 5_000, "Keep the version under 64 characters."),
        (
            ReportIds.first_contact_block,
            3_093_527_980_800,  # 1 January 99999
            "That date is out of range; pick when the customer first wrote.",
        ),
        (ReportIds.first_contact_block, "yesterday", UNREADABLE),
        (ReportIds.summary_block, 12345, UNREADABLE),
        (ReportIds.summary_block, "s" * 20_000, "That answer is far too long."),
    ],
)
def test_out_of_range_values_are_refused_on_their_field(
    harness: Harness, block: str, value: Any, error: str
) -> None:
    view = _report_modal(harness)
    values = fill_view(view, MINIMAL)
    [state] = values[block].values()
    state["selected_date_time" if block == ReportIds.first_contact_block else "value"] = value
    assert _errors(_interaction(harness, _submission(view, values))) == {block: error}
    assert _summaries(harness) == ["Card payments fail at checkout."]


@SQLITE_ONLY
def test_an_incident_number_past_the_integer_range_is_refused_inline(harness: Harness) -> None:
    view = _report_modal(harness)
    values = fill_view(view, MINIMAL)
    values[ReportIds.incident_block][ReportIds.incident_input]["selected_option"] = {
        "text": {"type": "plain_text", "text": "#1"},
        "value": "99999999999999999999",
    }
    errors = _errors(_interaction(harness, _submission(view, values)))
    assert errors == {ReportIds.incident_block: "Choose the incident this report belongs to."}
    assert _summaries(harness) == ["Card payments fail at checkout."]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ([], {ReportIds.summary_block: DAMAGED}),
        ("values", {ReportIds.summary_block: DAMAGED}),
        ({ReportIds.region_block: "eu-west"}, {ReportIds.summary_block: DAMAGED}),
        (
            {ReportIds.region_block: {ReportIds.region_input: {"selected_option": "eu-west"}}},
            {ReportIds.region_block: UNREADABLE},
        ),
        (
            {ReportIds.features_block: {ReportIds.features_input: {"selected_options": "x"}}},
            {ReportIds.features_block: UNREADABLE},
        ),
    ],
)
def test_a_state_of_the_wrong_shape_is_refused_inline(
    harness: Harness, values: Any, errors: dict[str, str]
) -> None:
    view = _report_modal(harness)
    if isinstance(values, dict):
        values = {**fill_view(view, MINIMAL), **values}
    assert _errors(_interaction(harness, _submission(view, values))) == errors
    assert _summaries(harness) == ["Card payments fail at checkout."]


@SQLITE_ONLY
@pytest.mark.parametrize("user", [None, {}, {"id": ""}, {"id": "U" * 100_000}, "UAGENT\x00"])
def test_a_submission_without_a_user_stores_nothing(harness: Harness, user: Any) -> None:
    view = _report_modal(harness)
    payload = _submission(view, fill_view(view, MINIMAL), user=user)
    errors = _errors(_interaction(harness, payload))
    assert errors == {
        ReportIds.summary_block: "Slack did not say who you are, so nothing was done. "
        "Try again in a moment."
    }
    assert _summaries(harness) == ["Card payments fail at checkout."]


@SQLITE_ONLY
def test_metadata_of_the_wrong_shape_is_ignored(harness: Harness) -> None:
    view = _report_modal(harness)
    damaged = {**view, "private_metadata": '{"source_permalink": ["x"]}'}
    assert _interaction(harness, _submission(damaged, fill_view(view, MINIMAL))) is None
    assert len(_summaries(harness)) == 2


# --- The status update form ----------------------------------------------------------------


def _update_values(view: dict[str, Any]) -> dict[str, Any]:
    return fill_view(view, {CadenceIds.message_block: "We are on it."})


def test_a_nul_byte_in_a_status_update_is_removed(harness: Harness) -> None:
    declare(harness)
    view = open_update_modal(harness)
    values = fill_view(
        view, {CadenceIds.message_block: "Fix\x00 deployed", CadenceIds.note_block: "\x00"}
    )
    assert _interaction(harness, _submission(view, values, user="UIC")) is None
    with harness.session() as session:
        [update] = session.scalars(select(StatusUpdate)).all()
    assert (update.customer_message, update.internal_note) == ("Fix deployed", None)


@pytest.mark.parametrize(
    ("block", "state", "error"),
    [
        (
            CadenceIds.next_block,
            {"selected_option": {"value": "99999999999999999999"}},
            "Choose when the next update will come.",
        ),
        (
            CadenceIds.status_block,
            {"selected_option": "resolved!"},
            "Pick one of the listed statuses.",
        ),
        (
            CadenceIds.message_block,
            {"value": {"text": "hi"}},
            "This answer could not be read; write it again.",
        ),
        (
            CadenceIds.message_block,
            {"value": "m" * 10_000},
            "Keep the message under 2,500 characters.",
        ),
    ],
)
def test_update_form_values_out_of_range_are_refused_inline(
    harness: Harness, block: str, state: dict[str, Any], error: str
) -> None:
    declare(harness)
    view = open_update_modal(harness)
    values = _update_values(view)
    [action_id] = values[block]
    values[block][action_id].update(state)
    assert _errors(_interaction(harness, _submission(view, values, user="UIC"))) == {block: error}
    with harness.session() as session:
        assert session.scalars(select(StatusUpdate)).all() == []


@SQLITE_ONLY
def test_update_form_metadata_past_the_integer_range_is_a_stale_form(harness: Harness) -> None:
    declare(harness)
    view = open_update_modal(harness)
    damaged = {**view, "private_metadata": json.dumps({"incident_id": 10**20})}
    errors = _errors(_interaction(harness, _submission(damaged, _update_values(view), user="UIC")))
    assert errors == {
        CadenceIds.message_block: "This form is stale; close it and run `/liaison update` again."
    }


# --- The hand-off form and buttons ---------------------------------------------------------


@SQLITE_ONLY
def test_a_hand_off_to_something_that_is_not_a_person_is_refused_inline(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-checkout")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    view = open_hand_off(harness, assignment, announcement)
    assert view is not None
    values = fill_view(view, {LiaisonIds.hand_off_user_block: "UCAM"})
    values[LiaisonIds.hand_off_user_block][LiaisonIds.hand_off_user_input]["selected_user"] = {
        "id": "UCAM"
    }
    errors = _errors(_interaction(harness, _submission(view, values, user="UANA")))
    assert errors == {LiaisonIds.hand_off_user_block: "Pick the person from the list."}
    assert states(harness) == [("UANA", "pending")]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("change", "answer"),
    [
        (
            {"actions": [{"action_id": SlaActions.mark_responded, "value": "9" * 20}]},
            "This button does not name anything Liaison knows",
        ),
        ({"user": None}, "Slack did not say who you are"),
        ({"user": {"id": "U\x00" * 100}}, "Slack did not say who you are"),
    ],
)
def test_a_damaged_button_press_is_answered_privately(
    sla: Harness, change: dict[str, Any], answer: str
) -> None:
    report_id, warning = first_warning(sla)
    payload = {
        "type": "block_actions",
        "user": {"id": "UAGENT"},
        "response_url": sla.slack.response_url,
        "channel": {"id": sla.fake.dm_channel("UAGENT")},
        "message": {"ts": warning["ts"], "text": warning["text"], "blocks": warning["blocks"]},
        "actions": [{"action_id": SlaActions.mark_responded, "value": str(report_id)}],
    }
    broken = {**copy.deepcopy(payload), **change}
    if broken["user"] is None:
        del broken["user"]
    _interaction(sla, broken)
    assert answer in sla.last_reply()
    assert report(sla, report_id).responded_at is None


# --- Names from events ---------------------------------------------------------------------


def test_a_one_megabyte_channel_name_opens_an_incident_with_a_bounded_name(
    harness: Harness,
) -> None:
    name = "inc-sev1-" + "x" * 1_000_000
    result = harness.channel_created("CBIG", name)
    assert result.status == 200
    with harness.session() as session:
        [incident] = session.scalars(select(Incident)).all()
    assert incident.channel_name == name[:100]
    assert len(incident.title) <= 300
    [intro] = harness.fake.messages("CBIG")
    assert len(intro["text"]) < 1_000


def test_a_renamed_incident_channel_keeps_a_bounded_name(harness: Harness) -> None:
    harness.channel_created("CINC1", "inc-sev2-checkout")
    for name in ("inc-sev2-checkout-eu", "\x00renamed-" + "y" * 1_000_000):
        event = {"type": "channel_rename", "channel": {"id": "CINC1", "name": name, "created": 1}}
        assert harness.event(event).status == 200
    with harness.session() as session:
        [incident] = session.scalars(select(Incident)).all()
    assert incident.channel_name == ("renamed-" + "y" * 1_000_000)[:100]
    assert incident.title == "Checkout"  # the title people gave it is not touched
