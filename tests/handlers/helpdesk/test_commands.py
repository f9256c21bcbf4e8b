"""``/liaison tickets`` and ``/liaison health`` as people see them."""

from __future__ import annotations

from datetime import timedelta

from tests.handlers.helpdesk.conftest import CHANNEL, Desk


def test_tickets_lists_the_linked_tickets_with_their_status(desk: Desk) -> None:
    desk.incident()
    desk.zendesk.add_ticket(
        701, subject="Cannot pay", requester_id=10, assignee_id=20, organization_id=30,
        tags=["incident-1"],
    )  # fmt: skip
    desk.zendesk_webhook(701)
    desk.generic_webhook(
        {"id": "H-9", "updated_at": "2026-11-23T09:59:00Z", "subject": "Login fails",
         "tags": ["incident-1"], "organization": {"name": "Hooli"},
         "assignee_email": "alex@acme.test", "status": "pending"}
    )  # fmt: skip
    desk.harness.command("tickets", channel=CHANNEL)
    reply = desk.harness.last_reply()
    assert "*Incident #1* has 2 linked help-desk tickets (Help desk 1, Zendesk 1):" in reply
    assert f"Zendesk <{desk.zendesk.url}/agent/tickets/701|701> · *Globex* · <@UAGENT> · open" in (
        reply
    )
    assert "Help desk H-9 · *Hooli* · <@UAGENT> · pending · awaiting first reply" in reply
    desk.harness.command("status", channel=CHANNEL)
    assert "Help-desk tickets linked: Help desk 1 · Zendesk 1 · `/liaison tickets` lists them" in (
        desk.harness.last_reply()
    )


def test_tickets_outside_an_incident_channel_says_what_would_work(desk: Desk) -> None:
    desk.harness.command("tickets", channel="CGENERAL")
    assert "give the incident number, e.g. `/liaison tickets 7`" in desk.harness.last_reply()
    desk.incident()
    desk.harness.command("tickets 1", channel="CGENERAL")
    assert "No help-desk tickets are linked to *incident #1* yet. Tag a ticket `incident-1`" in (
        desk.harness.last_reply()
    )


def test_health_reports_every_part_and_the_setting_that_fixes_a_failure(desk_factory) -> None:
    desk = desk_factory(zendesk_api_token="revoked")
    desk.harness.command("health", channel="CGENERAL")
    reply = desk.harness.last_reply()
    assert ":red_circle: *Something needs attention.*" in reply
    assert ":white_check_mark: *Slack*: ok" in reply
    assert ":white_check_mark: *Database*: ok — reachable" in reply
    assert ":white_check_mark: *Scheduler*: ok" in reply
    assert (
        ":x: *Zendesk*: failing — the API token was refused: check ZENDESK_EMAIL and "
        "ZENDESK_API_TOKEN" in reply
    )
    assert ":white_check_mark: *Salesforce*: ok" in reply
    assert "revoked" not in reply


def test_health_with_no_help_desk_shows_them_off(harness) -> None:
    harness.command("health")
    reply = harness.last_reply()
    assert ":large_green_circle: *Liaison is healthy.*" in reply
    assert ":white_circle: *Zendesk*: off — set ZENDESK_URL" in reply
    assert ":white_circle: *Generic webhook*: off" in reply


def test_health_notices_a_scheduler_that_stopped_waking(desk: Desk) -> None:
    desk.incident()  # leaves jobs due later (cadence, liaison)
    desk.harness.clock.advance(timedelta(hours=2))  # time passes, nothing wakes
    desk.harness.command("health", channel="CGENERAL")
    assert ":x: *Scheduler*: failing — a job has been due for" in desk.harness.last_reply()


def test_a_ticket_nobody_in_slack_owns_is_listed_with_what_to_do(desk: Desk) -> None:
    desk.incident()
    desk.zendesk.add_user(21, "Contractor", "contractor@elsewhere.test", role="agent")
    desk.zendesk.add_ticket(702, subject="Cannot pay", requester_id=10, assignee_id=21,
                            tags=["incident-1"])  # fmt: skip
    desk.zendesk_webhook(702)
    desk.harness.command("tickets", channel=CHANNEL)
    assert (
        "702|702> · *(not attached)* · open · :warning: no owner in Slack: assign it to someone "
        "with a Slack account, or set HELPDESK_FALLBACK_OWNER" in desk.harness.last_reply()
    )
