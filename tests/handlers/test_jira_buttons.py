"""The *Create Jira issue* button on the resolution message, end to end: pressed in the
incident channel it files the customer impact in Jira as ``/liaison jira`` does, posts the
link, and pressed again asks before a second issue is made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.devtools.fake_jira import FakeJira
from bot.devtools.fake_pagerduty import FakePagerDuty
from bot.ids import CadenceIds, OnCallActions
from bot.services.reports import ReportSubmission, attach
from tests.handlers.cadence_support import CHANNEL, declare, submit_update
from tests.handlers.liaison_helpers import buttons, liaison_app, sqlite_only
from tests.handlers.oncall_support import deliver, linked_incident, pagerduty_app
from tests.harness import Harness


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


def _jira_settings(fake_jira: FakeJira) -> dict[str, Any]:
    return {
        "jira_url": fake_jira.url,
        "jira_email": "liaison@example.com",
        "jira_api_token": "jira-token",
        "jira_project": "OPS",
        "jira_customers_field": "customfield_10042",
    }


def _report(harness: Harness, owner: str, customer: str, ticket: str) -> None:
    attach(
        harness.rt,
        ReportSubmission(
            incident_id=1, customer_name=customer, ticket_ref=ticket, region="eu-west",
            summary=f"{customer} cannot pay at checkout", features=["checkout"],
        ),
        agent_id=owner,
    )  # fmt: skip
    harness.executor.wait_idle()


def _resolution(harness: Harness, channel: str, words: str) -> dict[str, Any]:
    return next(m for m in reversed(harness.fake.messages(channel)) if words in m.get("text", ""))


def _press(harness: Harness, message: dict[str, Any], action: OnCallActions, channel: str) -> None:
    block = next(
        b
        for b in message["blocks"]
        if b["type"] == "actions" and any(e["action_id"] == action for e in b["elements"])
    )
    value = next(e["value"] for e in block["elements"] if e["action_id"] == action)
    harness.block_action(
        action.value, value=value, user="UAGENT", channel=channel,
        message={"type": "message", **message}, block_id=block["block_id"],
    )  # fmt: skip


def test_the_resolution_message_files_the_impact_in_jira_and_asks_before_a_second(
    app_factory, fake_jira: FakeJira
) -> None:
    harness = liaison_app(app_factory, "UANA", **_jira_settings(fake_jira))
    harness.channel_created("CINC", "inc-sev2-checkout")
    _report(harness, "UAGENT", "Acme", "#101")
    _report(harness, "UIC", "Globex", "#102")
    harness.command("resolve Rolled back the release", channel="CINC")

    resolution = _resolution(harness, "CINC", "resolved *incident #1*")
    assert buttons(resolution) == [OnCallActions.jira]
    assert "Rolled back the release" in json.dumps(resolution["blocks"])
    _press(harness, resolution, OnCallActions.jira, "CINC")

    assert "Creating a Jira issue" in harness.last_reply()
    assert list(fake_jira.issues) == ["OPS-1"]
    fields = fake_jira.issues["OPS-1"]
    assert fields["customfield_10042"] == 2
    description = json.dumps(fields["description"])
    assert "2 customer reports from 2 customers" in description
    assert "checkout (2)" in description and "eu-west (2)" in description
    assert "Acme cannot pay at checkout" in description
    linked = [m["text"] for m in harness.fake.messages("CINC") if "OPS-1" in m.get("text", "")]
    assert len(linked) == 1 and "was created with this incident's customer impact" in linked[0]

    _press(harness, resolution, OnCallActions.jira, "CINC")
    asked = harness.fake.calls_to("response_url")[-1].params
    assert "already has Jira issue" in asked["text"] and "Create a second issue" in asked["text"]
    assert len(fake_jira.issues) == 1
    question = {"text": asked["text"], "blocks": asked["blocks"]}
    assert buttons(question) == [OnCallActions.jira_again]

    _press(harness, question, OnCallActions.jira_again, "CINC")
    assert sorted(fake_jira.issues) == ["OPS-1", "OPS-2"]
    answered = harness.fake.calls_to("response_url")[-1].params
    assert answered["replace_original"] and "Creating a Jira issue" in answered["text"]


@sqlite_only
def test_without_jira_the_resolution_message_has_no_button(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.channel_created("CINC", "inc-sev2-checkout")
    harness.command("resolve Fixed", channel="CINC")
    resolution = _resolution(harness, "CINC", "resolved *incident #1*")
    assert not resolution.get("blocks")


@sqlite_only
def test_resolved_in_pagerduty_offers_the_jira_button_too(app_factory, fake_jira: FakeJira) -> None:
    with FakePagerDuty() as fake_pd:
        harness = pagerduty_app(app_factory, fake_pd, **_jira_settings(fake_jira))
        incident = fake_pd.add_incident(title="Payments down", priority="P2")
        deliver(harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
        incident.status = "resolved"
        deliver(harness, "incident.resolved", incident, occurred_at="2026-11-23T10:20:00Z")
        opened = linked_incident(harness, incident.id)
        assert opened is not None and opened.channel_id
        resolution = _resolution(harness, opened.channel_id, "Resolved in PagerDuty")
        _press(harness, resolution, OnCallActions.jira, opened.channel_id)
    assert list(fake_jira.issues) == ["OPS-1"]
    assert "Payments down" in fake_jira.issues["OPS-1"]["summary"]


@sqlite_only
def test_an_update_that_resolves_carries_the_jira_button(app_factory, fake_jira: FakeJira) -> None:
    harness = app_factory(**_jira_settings(fake_jira))
    declare(harness)
    submit_update(
        harness,
        {CadenceIds.status_block: "resolved", CadenceIds.message_block: "All good again."},
    )
    resolution = _resolution(harness, CHANNEL, "resolved *incident #1*")
    assert buttons(resolution) == [OnCallActions.jira]
    _press(harness, resolution, OnCallActions.jira, CHANNEL)
    assert list(fake_jira.issues) == ["OPS-1"]
