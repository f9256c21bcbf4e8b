"""The customer-facing title: kept apart from the internal one, which names the channel."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import CadenceIds
from bot.models import Incident
from bot.services import reports
from bot.services.reports import ReportSubmission
from tests.handlers.sla_support import dms, sqlite_only
from tests.harness import Harness

CHANNEL = "CINC1"
CHANNEL_NAME = "inc-sev2-checkout-eu"


def _open_channel_incident(harness: Harness) -> None:
    harness.channel_created(CHANNEL, CHANNEL_NAME)


def _command(harness: Harness, text: str, user: str = "UIC") -> str:
    harness.command(text, channel=CHANNEL, channel_name=CHANNEL_NAME, user=user)
    return harness.last_reply() if harness.replies() else ""


def _draft(harness: Harness) -> str:
    harness.command("update", channel=CHANNEL, channel_name=CHANNEL_NAME, user="UIC")
    view = harness.fake.calls_to("views.open")[-1].params["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    [draft] = [
        b["element"]["initial_value"]
        for b in view["blocks"]
        if b.get("block_id") == CadenceIds.message_block
    ]
    return str(draft)


def _incident(harness: Harness) -> Incident:
    with harness.session() as session:
        incident = session.get(Incident, 1)
        assert incident is not None
        return incident


@sqlite_only
def test_a_channel_named_incident_never_shows_customers_its_channel_name(
    harness: Harness,
) -> None:
    _open_channel_incident(harness)
    assert _incident(harness).title == "Checkout eu"

    draft = _draft(harness)

    assert "(Service disruption)" in draft
    assert CHANNEL_NAME not in draft
    assert "Checkout eu" not in draft
    status = _command(harness, "status")
    assert "Customers read it as “Service disruption” (the neutral default)" in status


@sqlite_only
def test_title_public_sets_what_customers_read_and_the_team_is_told(harness: Harness) -> None:
    _open_channel_incident(harness)

    _command(harness, 'title public "Checkout errors for EU customers"')

    assert _incident(harness).public_title == "Checkout errors for EU customers"
    assert _incident(harness).title == "Checkout eu"
    announcement = harness.fake.messages(CHANNEL)[-1]["text"]
    assert "<@UIC> set the title customers read for *incident #1*" in announcement
    assert "“Checkout errors for EU customers” (was “Service disruption”)" in announcement
    assert "(Checkout errors for EU customers)" in _draft(harness)
    status = _command(harness, "status")
    assert "Customers read it as “Checkout errors for EU customers” · " in status


@sqlite_only
def test_the_resolution_message_for_customers_uses_the_public_title(harness: Harness) -> None:
    _open_channel_incident(harness)
    reports.attach(
        harness.rt,
        ReportSubmission(incident_id=1, customer_name="Acme Corp", summary="Cannot pay"),
        agent_id="UAGENT",
    )
    _command(harness, "title public Checkout errors for EU customers")

    _command(harness, "resolve Rolled back")

    [digest] = [m for m in dms(harness, "UAGENT") if "is resolved" in m["text"]]
    copy = _copy_block(digest)
    assert "The issue you reported to us (Checkout errors for EU customers)" in copy
    assert "Checkout eu" not in copy
    assert CHANNEL_NAME not in copy


def _copy_block(message: dict[str, Any]) -> str:
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return next(text for text in texts if text.startswith("```"))


@sqlite_only
def test_a_declared_title_is_what_customers_read(harness: Harness) -> None:
    harness.command("declare sev2 Checkout failing in EU", channel="CSUPPORT", user="UIC")
    harness.command("status", channel="CSUPPORT", user="UIC")
    assert "Customers read it as “Checkout failing in EU” · " in harness.last_reply()


@sqlite_only
def test_title_without_public_renames_the_incident_only(harness: Harness) -> None:
    _open_channel_incident(harness)

    _command(harness, "title Payment provider outage")

    incident = _incident(harness)
    assert (incident.title, incident.public_title) == ("Payment provider outage", None)
    announcement = harness.fake.messages(CHANNEL)[-1]["text"]
    assert "renamed *incident #1* to *Payment provider outage* (was “Checkout eu”)" in announcement
    assert "Customers still read “Service disruption”" in announcement


@sqlite_only
def test_a_missing_or_too_long_title_says_what_would_work(harness: Harness) -> None:
    _open_channel_incident(harness)

    reply = _command(harness, "title")
    assert "`/liaison title &lt;title&gt;` renames the incident (now “Checkout eu”)" in reply
    assert "`/liaison title public &lt;title&gt;` sets the title customers read" in reply
    assert "(now “Service disruption”)" in reply

    reply = _command(harness, "title public")
    assert "Give the new title, e.g. `/liaison title public Checkout errors" in reply

    reply = _command(harness, "title public " + "x" * 301)
    assert "A title has at most 300 characters; this one has 301." in reply
    assert _incident(harness).public_title is None


@sqlite_only
def test_help_lists_the_title_command(harness: Harness) -> None:
    text = harness.command("help").body
    assert "• `/liaison title [public] &lt;title&gt;` — Rename the incident" in text
