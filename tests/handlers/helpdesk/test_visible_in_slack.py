"""Help-desk tickets as Slack shows them: the source in the impact summary, the counts
per help desk in the App Home, tickets nobody in Slack owns in the liaison's checklist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.models import LiaisonAssignment
from bot.services.liaison.actions import checklist_message
from tests.handlers.helpdesk.conftest import CHANNEL, Desk
from tests.handlers.liaison_helpers import seed_people
from tests.impact_helpers import attach_report, blocks_text, summaries


def _zendesk_ticket(desk: Desk, ticket_id: int, org: int, name: str) -> None:
    desk.zendesk.add_organization(org, name)
    desk.zendesk.add_ticket(
        ticket_id, subject=f"{name}: checkout fails with a 502", requester_id=10,
        assignee_id=20, organization_id=org, tags=["incident-1", "tier_premium"],
    )  # fmt: skip
    desk.zendesk_webhook(ticket_id)


def test_the_impact_summary_shows_where_reports_came_from(desk: Desk) -> None:
    incident = desk.incident()
    _zendesk_ticket(desk, 901, 301, "Globex")
    _zendesk_ticket(desk, 902, 302, "Initech")
    desk.harness.clock.advance(timedelta(minutes=3))
    attach_report(desk.harness.rt, incident, customer_name="Hooli", summary="Cart is empty")
    desk.harness.advance(timedelta(minutes=2))

    [live] = summaries(desk.harness.fake, CHANNEL, "impact.live")
    assert "Sources: 2 Zendesk, 1 Slack" in blocks_text(live)

    desk.harness.command("impact", channel=CHANNEL)
    reply = blocks_text(desk.harness.fake.calls_to("response_url")[-1].params)
    assert "Sources: 2 Zendesk, 1 Slack" in reply
    assert "*Latest 3 reports*" in reply
    assert "• *Hooli* · via Slack · 2m ago: “Cart is empty”" in reply
    url = f"{desk.zendesk.url}/agent/tickets/901"
    assert f"• *Globex* · premium · via Zendesk · <{url}|ticket> · 5m ago: “Globex: checkout" in (
        reply
    )
    assert reply.index("*Hooli*") < reply.index("*Globex*")  # newest first


def test_reports_filed_in_slack_only_show_no_sources_line(desk: Desk) -> None:
    incident = desk.incident()
    attach_report(desk.harness.rt, incident, customer_name="Hooli")
    desk.harness.command("impact", channel=CHANNEL)
    reply = blocks_text(desk.harness.fake.calls_to("response_url")[-1].params)
    assert "Sources:" not in reply
    assert "• *Hooli* · via Slack" in reply


def test_the_app_home_counts_linked_tickets_per_help_desk(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    _zendesk_ticket(desk, 911, 311, "Globex")
    _zendesk_ticket(desk, 912, 312, "Hooli")
    case = "500000000000011AAA"
    desk.salesforce.add_case(
        case, Subject="Checkout (#inc-sev2-checkout)", OwnerId="005000000000020AAA",
        AccountId="001000000000030AAA",
    )  # fmt: skip
    desk.salesforce_message([case])
    opened = {"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"}
    desk.harness.event(opened)
    home = blocks_text(desk.harness.fake.homes["UAGENT"])
    assert "3 reports from 3 customers · tickets linked: Salesforce 1, Zendesk 2 · opened" in home


def test_tickets_nobody_in_slack_owns_are_listed_for_the_liaison(desk_factory: Any) -> None:
    desk = desk_factory(
        liaison_users=["UANA"], liaison_escalation="UESC", helpdesk_fallback_owner="UFALL"
    )
    seed_people(desk.harness)
    desk.harness.fake.add_user("UFALL", "fallback", real_name="Fallback Desk")
    desk.incident()
    [checklist] = [m for m in desk.harness.fake.messages("UANA") if "Your commitments" in m["text"]]
    assert "no owner in Slack" not in checklist["text"]

    desk.zendesk.add_user(21, "Contractor", "contractor@elsewhere.test", role="agent")
    desk.zendesk.add_ticket(921, subject="Cannot pay", requester_id=10, assignee_id=21,
                            organization_id=30, tags=["incident-1"])  # fmt: skip
    desk.zendesk.add_ticket(922, subject="Cannot pay either", requester_id=10,
                            organization_id=30, tags=["incident-1"])  # fmt: skip
    desk.zendesk_webhook(921)
    desk.zendesk_webhook(922)
    _zendesk_ticket(desk, 923, 313, "Initech")  # its assignee is in Slack
    desk.harness.advance(timedelta(minutes=2))

    [notice] = [m for m in desk.harness.fake.messages("UANA") if "no owner in Slack" in m["text"]]
    text = notice["text"]
    assert "*2 help-desk tickets of incident #1 have no owner in Slack*" in text
    url = f"{desk.zendesk.url}/agent/tickets"
    assert (
        f"Zendesk <{url}/921|921> · *Globex* · assigned to contractor@elsewhere.test · "
        "held by <@UFALL> (the fallback owner)" in text
    )
    assert f"Zendesk <{url}/922|922> · *Globex* · unassigned · held by <@UFALL>" in text
    assert "923" not in text

    with desk.harness.session() as session:
        assignment = session.scalars(select(LiaisonAssignment)).one()
    checklist_now = checklist_message(desk.harness.rt, assignment.id)
    assert "*2 help-desk tickets of incident #1 have no owner in Slack*" in checklist_now.text
    assert any("held by <@UFALL>" in str(block) for block in checklist_now.blocks)
