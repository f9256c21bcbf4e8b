"""The help desk feeds the follow-up board: credits in the resolution reply, customers told
once the reply is delivered, later replies (FCR) and satisfaction ratings (CSAT)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.models import Followup, Report, TicketLink
from tests import followup_facts as facts
from tests.handlers.helpdesk.conftest import CHANNEL, Desk

CREDIT = "qualifies for a service credit of 10% of your monthly fee"


def _ticket(desk: Desk, ticket_id: int, org: int, name: str, external_id: str) -> int:
    desk.zendesk.add_organization(org, name, external_id=external_id)
    desk.zendesk.add_ticket(
        ticket_id, subject=f"{name} cannot check out", requester_id=10, assignee_id=20,
        organization_id=org, tags=["incident-1"],
    )  # fmt: skip
    desk.zendesk_webhook(ticket_id)
    return ticket_id


def _lines(desk: Desk) -> dict[str, Followup]:
    with desk.harness.session() as session:
        return {line.customer_name: line for line in session.scalars(select(Followup))}


def _reply_body(desk: Desk, ticket_id: int) -> str:
    [reply] = desk.zendesk.comments_on(ticket_id)
    assert reply["public"] is True
    return str(reply["body"])


def test_a_customer_owed_a_credit_finds_its_wording_in_the_ticket_reply(desk_factory: Any) -> None:
    desk = desk_factory(sla_credits="premium=10%>1h,25%>4h")
    with desk.harness.rt.sessions.begin() as session:
        facts.account(session, "globex", "Globex", "premium")
        facts.account(session, "initech", "Initech", "standard")
    desk.incident()
    owed = _ticket(desk, 801, 30, "Globex", "globex")
    not_owed = _ticket(desk, 802, 31, "Initech", "initech")
    desk.harness.clock.advance(timedelta(hours=1, minutes=30))
    desk.harness.command("resolve Rolled back", channel=CHANNEL, user="UIC")
    desk.harness.advance(timedelta(minutes=1))

    body = _reply_body(desk, owed)
    assert body.startswith("Hello Globex,")
    assert f"Under your premium agreement this incident {CREDIT}" in body
    assert "Rolled back" not in body  # the internal resolve note stays inside
    assert CREDIT not in _reply_body(desk, not_owed)
    assert "service credit" not in _reply_body(desk, not_owed)


def test_customers_count_as_told_once_the_reply_is_delivered(desk: Desk) -> None:
    desk.incident()
    ticket = _ticket(desk, 811, 30, "Globex", "globex")
    desk.zendesk.inject(r"tickets/811\.json", status=429, retry_after="60", times=1)
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    # Rate limited: the reply is not on the ticket yet, so nobody is told yet.
    assert desk.zendesk.comments_on(ticket) == []
    assert _lines(desk)["Globex"].state == "to_tell"
    [dm] = [m for m in desk.harness.fake.messages("UAGENT") if "Told automatically" in m["text"]]
    assert "*Globex* (Zendesk)" in dm["text"]

    desk.harness.advance(timedelta(minutes=2))
    assert len(desk.zendesk.comments_on(ticket)) == 1
    line = _lines(desk)["Globex"]
    assert (line.state, line.told_how, line.told_by) == ("told", "helpdesk", "UAGENT")
    with desk.harness.session() as session:
        link = session.scalars(select(TicketLink)).one()
        report = session.scalars(select(Report)).one()
    assert link.resolution_told_at is not None
    assert report.customer_notified_at is not None and report.customer_notified_via == "zendesk"


def test_a_reply_after_resolution_and_a_rating_reach_the_board_once(desk: Desk) -> None:
    desk.incident()
    ticket = _ticket(desk, 821, 30, "Globex", "globex")
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    told_at = desk.harness.clock.now()
    # The help desk tells us about its own change (our reply): not a further reply.
    desk.zendesk.change(ticket, at=told_at + timedelta(seconds=5))
    desk.zendesk_webhook(ticket)
    assert _lines(desk)["Globex"].further_reply_at is None

    later = told_at + timedelta(hours=2)
    desk.zendesk.reply(ticket, 10, "Still broken for one of our stores.", at=later)
    desk.zendesk_webhook(ticket)
    line = _lines(desk)["Globex"]
    assert line.further_reply_at is not None
    assert line.further_reply_at.replace(tzinfo=None) == later.replace(tzinfo=None)

    desk.zendesk.rate(ticket, "offered", at=later + timedelta(minutes=1))
    desk.zendesk_webhook(ticket)
    assert _lines(desk)["Globex"].reaction is None
    desk.zendesk.rate(ticket, "good", at=later + timedelta(minutes=2), comment="Quick fix")
    desk.zendesk_webhook(ticket)
    line = _lines(desk)["Globex"]
    assert (line.reaction, line.reaction_note) == ("satisfied", "Quick fix")
    first_rated = line.reaction_at
    desk.harness.clock.advance(timedelta(minutes=5))
    desk.zendesk.change(ticket, at=later + timedelta(minutes=3), status="closed")
    desk.zendesk_webhook(ticket)
    assert _lines(desk)["Globex"].reaction_at == first_rated  # recorded once


def test_a_vip_gets_the_reply_but_stays_on_the_board_for_a_personal_word(desk: Desk) -> None:
    desk.incident()
    vip = _ticket(desk, 831, 30, "Globex", "globex")
    _ticket(desk, 832, 31, "Initech", "initech")
    with desk.harness.rt.sessions.begin() as session:
        report = session.scalars(select(Report).where(Report.customer_name == "Globex")).one()
        report.vip = True
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    assert len(desk.zendesk.comments_on(vip)) == 1
    lines = _lines(desk)
    assert lines["Globex"].state == "to_tell"
    assert (lines["Initech"].state, lines["Initech"].told_how) == ("told", "helpdesk")
    [dm] = [m for m in desk.harness.fake.messages("UAGENT") if "is resolved" in m["text"]]
    assert "Told automatically through the help desk" in dm["text"]
    assert "*Initech* (Zendesk)" in dm["text"]
    assert "still need a word from you: 1 VIP ticket" in dm["text"]
    assert "*Globex* (VIP)" in dm["text"]


def test_salesforce_ratings_come_from_the_configured_case_field(desk_factory: Any) -> None:
    desk = desk_factory(salesforce_rating_field="CSAT__c")
    desk.incident("inc-sev2-checkout")
    case = "500000000000009AAA"
    desk.salesforce.add_case(
        case, Subject="Checkout (#inc-sev2-checkout)", OwnerId="005000000000020AAA",
        AccountId="001000000000030AAA",
    )  # fmt: skip
    desk.salesforce_message([case])
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    [ours] = desk.salesforce.comments[case]
    assert ours["IsPublished"] is True
    line = _lines(desk)["Initech"]
    assert (line.state, line.told_how) == ("told", "helpdesk")

    later = desk.harness.clock.now() + timedelta(hours=1)
    desk.salesforce.reply(case, "Works again, thanks", at=later, by="005000000000020AAA")
    desk.salesforce.change(case, later + timedelta(minutes=1), CSAT__c="2")
    desk.salesforce_message([case])
    line = _lines(desk)["Initech"]
    assert line.further_reply_at is not None
    assert line.reaction == "dissatisfied"
