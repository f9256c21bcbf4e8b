"""Updates and the resolution reach every linked ticket once, in bulk where it pays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ids import CadenceIds
from bot.models import Report
from tests.handlers.helpdesk.conftest import CHANNEL, Desk


def _link_tickets(desk: Desk, count: int = 3) -> list[int]:
    desk.incident()
    ids = []
    for index in range(count):
        org = 300 + index
        desk.zendesk.add_organization(org, f"Customer {index}")
        ticket_id = 600 + index
        desk.zendesk.add_ticket(
            ticket_id, subject=f"Checkout broken ({index})", requester_id=10,
            assignee_id=20, organization_id=org, tags=["incident-1"],
        )  # fmt: skip
        desk.zendesk_webhook(ticket_id)
        ids.append(ticket_id)
    return ids


def _submit_update(
    desk: Desk, message: str, *, to_reporters: bool, status: str = "identified"
) -> Any:
    harness = desk.harness
    harness.command("update", channel=CHANNEL, user="UIC")
    view_id = max(harness.fake.views, key=lambda v: int(v[1:]) if v[1:].isdigit() else 0)
    view = harness.fake.views[view_id]
    assert any(b.get("block_id") == CadenceIds.reporters_block for b in view["blocks"])
    answers: dict[str, Any] = {
        CadenceIds.status_block: status,
        CadenceIds.message_block: message,
        CadenceIds.next_block: "900",
    }
    if to_reporters:
        answers[CadenceIds.reporters_block] = ["yes"]
    return harness.view_submission(view, answers, user="UIC")


def test_an_update_becomes_an_internal_note_on_every_linked_ticket_in_one_call(
    desk: Desk,
) -> None:
    tickets = _link_tickets(desk)
    _submit_update(desk, "We found the cause and are rolling back.", to_reporters=False)
    [bulk] = desk.zendesk.calls_to("PUT", r"/api/v2/tickets/update_many\.json")
    assert bulk.query == {"ids": ",".join(map(str, tickets))}
    assert bulk.json == {
        "ticket": {"comment": {"body": "We found the cause and are rolling back.", "public": False}}
    }
    for ticket_id in tickets:
        [note] = desk.zendesk.comments_on(ticket_id)
        assert note["public"] is False
        assert note["body"] == "We found the cause and are rolling back."


def test_an_update_sent_to_reporters_is_a_public_reply_once(desk: Desk) -> None:
    tickets = _link_tickets(desk)
    _submit_update(desk, "A fix is rolling out.", to_reporters=True)
    desk.harness.advance(timedelta(minutes=1))
    for ticket_id in tickets:
        [reply] = desk.zendesk.comments_on(ticket_id)
        assert reply["public"] is True and reply["body"] == "A fix is rolling out."


def test_a_single_linked_ticket_is_updated_directly(desk: Desk) -> None:
    [ticket] = _link_tickets(desk, count=1)
    _submit_update(desk, "Still investigating.", to_reporters=False)
    assert desk.zendesk.calls_to("PUT", r"/api/v2/tickets/update_many\.json") == []
    [put] = desk.zendesk.calls_to("PUT", rf"/api/v2/tickets/{ticket}\.json")
    assert put.json["ticket"]["comment"]["public"] is False


def test_the_resolution_reaches_every_ticket_once_with_the_customers_name(
    desk_factory: Any,
) -> None:
    desk = desk_factory(helpdesk_resolved_status="solved")
    tickets = _link_tickets(desk)
    desk.harness.command("resolve Rolled back the gateway config", channel=CHANNEL, user="UIC")
    desk.harness.advance(timedelta(minutes=5))
    [bulk] = desk.zendesk.calls_to("PUT", r"/api/v2/tickets/update_many\.json")
    assert [t["id"] for t in bulk.json["tickets"]] == tickets
    for index, ticket_id in enumerate(tickets):
        [reply] = desk.zendesk.comments_on(ticket_id)
        assert reply["public"] is True
        assert reply["body"].startswith(f"Hello Customer {index},")
        # The resolve note is the responders' own: it never reaches a customer.
        assert "gateway" not in reply["body"]
        assert desk.zendesk.tickets[ticket_id].status == "solved"
    with desk.harness.session() as session:
        vias = session.scalars(select(Report.customer_notified_via)).all()
    assert vias == ["zendesk"] * 3
    # The owner's follow-up DM says who was told automatically, and asks nothing more.
    [dm] = [m for m in desk.harness.fake.messages("UAGENT") if "Told automatically" in m["text"]]
    assert "*Customer 0* (Zendesk), *Customer 1* (Zendesk), *Customer 2* (Zendesk)" in dm["text"]
    assert "Mark customers told" not in str(dm.get("blocks"))


def test_a_vip_still_needs_a_personal_touch_after_the_automatic_reply(desk: Desk) -> None:
    tickets = _link_tickets(desk, count=2)
    with desk.harness.rt.sessions.begin() as session:
        vip = session.scalars(select(Report).order_by(Report.id)).first()
        assert vip is not None
        vip.vip = True
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    for ticket_id in tickets:
        assert len(desk.zendesk.comments_on(ticket_id)) == 1
    [dm] = [m for m in desk.harness.fake.messages("UAGENT") if "is resolved" in m["text"]]
    assert "Told automatically" in dm["text"] and "*Customer 1* (Zendesk)" in dm["text"]
    assert "Customer 0" in dm["text"]  # still listed to tell personally


def test_a_rate_limited_bulk_update_is_retried_after_retry_after(desk: Desk) -> None:
    tickets = _link_tickets(desk)
    desk.zendesk.inject(r"update_many", status=429, retry_after="60", times=1)
    _submit_update(desk, "Update during a rate limit.", to_reporters=False)
    assert all(desk.zendesk.comments_on(t) == [] for t in tickets)
    desk.harness.advance(timedelta(seconds=30))
    assert all(desk.zendesk.comments_on(t) == [] for t in tickets)
    desk.harness.advance(timedelta(seconds=45))
    assert all(len(desk.zendesk.comments_on(t)) == 1 for t in tickets)
    desk.harness.advance(timedelta(minutes=30))
    assert all(len(desk.zendesk.comments_on(t)) == 1 for t in tickets)


def test_salesforce_cases_get_the_resolution_as_published_comments(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    cases = ["500000000000001AAA", "500000000000002AAA"]
    for case_id in cases:
        desk.salesforce.add_case(
            case_id, Subject="Checkout (#inc-sev2-checkout)", OwnerId="005000000000020AAA",
            AccountId="001000000000030AAA",
        )  # fmt: skip
    desk.salesforce_message(cases)
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    [create] = desk.salesforce.calls_to("POST", r"/services/data/v60\.0/composite/sobjects")
    assert sorted(r["ParentId"] for r in create.json["records"]) == cases
    for case_id in cases:
        [comment] = desk.salesforce.comments[case_id]
        assert comment["IsPublished"] is True
        assert comment["CommentBody"].startswith("Hello Initech,")


def test_a_long_list_of_customers_told_automatically_is_cut_to_fit_the_dm(desk: Desk) -> None:
    """2,000 linked tickets made the follow-up DM too long for Slack (msg_too_long)."""
    _link_tickets(desk, count=22)
    desk.harness.command("resolve", channel=CHANNEL, user="UIC")
    [dm] = [m for m in desk.harness.fake.messages("UAGENT") if "Told automatically" in m["text"]]
    assert dm["text"].count("(Zendesk)") == 20
    assert dm["text"].endswith(" and 2 more.")


def test_the_resolution_reply_carries_the_liaisons_resolving_update(desk: Desk) -> None:
    tickets = _link_tickets(desk, count=1)
    _submit_update(
        desk, "A faulty change was rolled back; checkout works again.", to_reporters=False,
        status="resolved",
    )  # fmt: skip
    desk.harness.advance(timedelta(minutes=5))
    replies = [c for c in desk.zendesk.comments_on(tickets[0]) if c["public"]]
    [reply] = [c for c in replies if str(c["body"]).startswith("Hello")]
    assert "A faulty change was rolled back; checkout works again." in reply["body"]


def test_a_resolving_update_sent_to_reporters_reaches_each_customer_once(desk: Desk) -> None:
    """The resolution reply carries the update's words: no public copy of them before it."""
    tickets = _link_tickets(desk, count=2)
    words = "A faulty change was rolled back; checkout works again."
    _submit_update(desk, words, to_reporters=True, status="resolved")
    desk.harness.advance(timedelta(minutes=5))
    for ticket_id in tickets:
        public = [c["body"] for c in desk.zendesk.comments_on(ticket_id) if c["public"]]
        assert len(public) == 1 and public[0].startswith("Hello")
        assert words in public[0]
