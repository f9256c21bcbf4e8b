"""A report filed in Slack that names a help-desk ticket is linked to it both ways."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.ids import ReportIds
from bot.models import Report, TicketLink
from bot.services.helpdesk.from_slack import ticket_reference
from bot.services.helpdesk.model import TicketSource
from tests.handlers.helpdesk.conftest import CHANNEL, Desk


def _report_from_modal(desk: Desk, ticket: str) -> None:
    harness = desk.harness
    harness.command("report", channel=CHANNEL, channel_name="inc-sev2-checkout", user="UAGENT")
    view = harness.fake.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    answers: dict[str, Any] = {
        ReportIds.account_block: ("name:Globex", "Globex"),
        ReportIds.ticket_block: ticket,
        ReportIds.summary_block: "Checkout broken for them too.",
    }
    harness.view_submission(view, answers, user="UAGENT")


def test_a_zendesk_ticket_typed_in_the_modal_is_linked_both_ways(desk: Desk) -> None:
    desk.incident()
    desk.zendesk.add_ticket(
        801, subject="Checkout broken", requester_id=10, assignee_id=20, organization_id=30,
        tags=["tier_premium", "version_4.2"],
    )  # fmt: skip
    _report_from_modal(desk, f"{desk.zendesk.url}/agent/tickets/801")
    with desk.harness.session() as session:
        report = session.scalars(select(Report)).one()
        link = session.scalars(select(TicketLink)).one()
    assert (link.source, link.external_id, link.report_id) == ("zendesk", "801", report.id)
    assert report.tier == "premium" and report.product_version == "4.2"  # left empty, filled
    ticket = desk.zendesk.tickets[801]
    assert "incident-1" in ticket.tags
    [note] = desk.zendesk.comments_on(801)
    assert note["public"] is False
    assert "Linked in Slack to incident #1" in note["body"]
    assert "https://slack.com/app_redirect?channel=CINC1" in note["body"]

    # Zendesk now tells us about the change (the tag) and, later, the agent's reply.
    desk.zendesk_webhook(801)
    replied = desk.harness.clock.now() + timedelta(minutes=2)
    desk.harness.clock.advance(timedelta(minutes=3))
    desk.zendesk.reply(801, 20, "Looking into it.", at=replied)
    desk.zendesk_webhook(801)
    with desk.harness.session() as session:
        assert session.scalars(select(Report)).one().responded_at == replied
        assert len(session.scalars(select(Report)).all()) == 1


def test_a_ticket_of_no_configured_help_desk_is_left_alone(desk: Desk) -> None:
    desk.incident()
    _report_from_modal(desk, "https://support.other.test/tickets/12")
    with desk.harness.session() as session:
        assert session.scalars(select(TicketLink)).all() == []
    assert desk.zendesk.calls == []


def test_ticket_references_of_configured_help_desks() -> None:
    settings = Settings(
        _env_file=None, zendesk_url="https://acme.zendesk.com", zendesk_webhook_secret="s",
        salesforce_url="https://acme.my.salesforce.com", salesforce_org_id="00D",
        salesforce_webhook_secret="s",
    )  # fmt: skip
    assert ticket_reference(settings, "https://acme.zendesk.com/agent/tickets/48213") == (
        TicketSource.zendesk, "48213",
    )  # fmt: skip
    assert ticket_reference(settings, "#48213") == (TicketSource.zendesk, "48213")
    lightning = "https://acme.lightning.force.com/lightning/r/Case/5001x00000ABCDEAAA/view"
    assert ticket_reference(settings, lightning) == (TicketSource.salesforce, "5001x00000ABCDEAAA")
    assert ticket_reference(settings, "500000000000001") == (
        TicketSource.salesforce, "500000000000001",
    )  # fmt: skip
    assert ticket_reference(settings, "https://evil.test/agent/tickets/1") is None
    assert ticket_reference(settings, "SF-00123") is None
