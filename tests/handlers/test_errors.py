"""The one error handler: what a person sees when a listener fails, and the matching log line."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import func, select

from bot.ids import ReportIds, SlaActions
from bot.models import Report
from bot.services import incidents, reports
from bot.services.sla import actions as sla_actions
from handlers import errors
from tests.handlers.sla_support import first_warning, press
from tests.harness import Harness

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ERROR_ID = re.compile(r"error id `?([0-9a-f]{6})`?")


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the service tripped")


def _logged_ids(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Error ids of the logged failures that carry their traceback."""
    return [
        match.group(1)
        for record in caplog.records
        if record.exc_info and (match := ERROR_ID.search(record.getMessage()))
    ]


@sqlite_only
def test_an_unexpected_error_in_a_command_is_answered_with_the_id_of_its_log_line(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(incidents, "for_channel", _boom)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        result = harness.command("status", channel="CSUPPORT")
    assert (result.status, result.body) == (200, "")
    [reply] = harness.fake.calls_to("response_url")
    assert reply.params["response_type"] == "ephemeral"
    text = reply.params["text"]
    assert "Something went wrong" in text and "nothing was saved, try again" in text
    match = ERROR_ID.search(text)
    assert match, text
    assert _logged_ids(caplog) == [match.group(1)]
    [record] = [r for r in caplog.records if r.exc_info]
    assert "the service tripped" in str(record.exc_info[1])


@sqlite_only
def test_a_domain_error_in_a_command_says_what_was_wrong(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        result = harness.command("status", channel="CSUPPORT")
    # The ack stands although the listener failed a moment after it (Bolt alone would
    # reset it and Slack would get nothing: 404 after 3 s).
    assert (result.status, result.body) == (200, "")
    reply = harness.last_reply()
    assert reply.startswith(":warning: This channel is not an incident channel.")
    assert "error id" not in reply
    assert _logged_ids(caplog) == []


@sqlite_only
def test_an_unexpected_error_in_a_modal_keeps_it_open_with_the_id(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    harness.channel_created("CINC1", "inc-sev2-checkout-eu")
    harness.command("report", channel="CINC1", channel_name="inc-sev2-checkout-eu")
    view = harness.fake.calls_to("views.open")[-1].params["view"]
    monkeypatch.setattr(reports, "attach", _boom)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        body = harness.view_submission(
            view if isinstance(view, dict) else json.loads(view),
            {
                ReportIds.account_block: ("name:Acme", "Acme"),
                ReportIds.summary_block: "Card payments fail.",
            },
        ).json()
    assert body["response_action"] == "errors"
    message = body["errors"][ReportIds.summary_block]
    match = ERROR_ID.search(message)
    assert match and "nothing was saved" in message
    assert _logged_ids(caplog) == [match.group(1)]
    with harness.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


@sqlite_only
def test_an_unexpected_error_after_a_button_was_acked_is_answered_privately(
    sla: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _, warning = first_warning(sla)
    monkeypatch.setattr(sla_actions, "mark_responded", _boom)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")
    reply = sla.last_reply()
    match = ERROR_ID.search(reply)
    assert match, reply
    assert _logged_ids(caplog) == [match.group(1)]


@sqlite_only
def test_a_failure_with_no_response_url_is_told_by_dm(harness: Harness) -> None:
    """A modal already closed (or App Home) has no response_url: the person gets a DM."""
    body = {"type": "view_submission", "user": {"id": "UAGENT"}, "view": {"callback_id": "x"}}
    assert errors.answer(harness.rt, RuntimeError("late"), body, None, acked=True) is None
    [dm] = harness.fake.messages("UAGENT")
    assert ERROR_ID.search(dm["text"])


@sqlite_only
def test_a_failing_event_listener_tells_nobody(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"type": "event_callback", "event": {"type": "channel_created", "user": "UAGENT"}}
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        assert errors.answer(harness.rt, RuntimeError("x"), body, None, acked=True) is None
    assert harness.fake.messages("UAGENT") == []
    assert len(_logged_ids(caplog)) == 1
