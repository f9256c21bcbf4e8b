"""Salesforce Outbound Messages and the generic signed webhook, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.devtools.fake_salesforce import sf_time
from bot.models import Report, TicketLink
from tests.handlers.helpdesk.conftest import Desk

OWNER = "005000000000020AAA"
ACCOUNT = "001000000000030AAA"


def _reports(desk: Desk) -> list[Report]:
    with desk.harness.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def _case(desk: Desk, case_id: str, number: str, **fields: object) -> None:
    desk.salesforce.add_case(
        case_id,
        CaseNumber=number,
        Subject=f"Checkout broken for {number}",
        Description="Payments fail (#inc-sev2-checkout)",
        OwnerId=OWNER,
        AccountId=ACCOUNT,
        **fields,
    )


def test_an_outbound_message_with_several_notifications_is_acknowledged(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    for index in range(3):
        _case(desk, f"500000000000{index:03d}AAA", f"0000100{index}")
    status, body = desk.salesforce_message([f"500000000000{i:03d}AAA" for i in range(3)])
    assert status == 200
    assert b"<Ack>true</Ack>" in body and b"notificationsResponse" in body
    reports = _reports(desk)
    assert len(reports) == 3
    assert {r.owner_user_id for r in reports} == {"UAGENT"}
    assert {r.customer_name for r in reports} == {"Initech"}
    refs = sorted(str(r.ticket_ref).rsplit("/Case/", 1)[1] for r in reports)
    assert refs == [f"500000000000{i:03d}AAA/view" for i in range(3)]
    # Delivered again (Salesforce delivers at least once): nothing new.
    desk.salesforce_message([f"500000000000{i:03d}AAA" for i in range(3)])
    assert len(_reports(desk)) == 3
    token_calls = desk.salesforce.calls_to("POST", "/services/oauth2/token")
    assert len(token_calls) == 1  # the token is kept


def test_outbound_messages_with_a_bad_secret_or_org_are_refused(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    _case(desk, "500000000000001AAA", "00001001")
    assert desk.salesforce_message(["500000000000001AAA"], secret="guess")[0] == 401
    assert desk.salesforce_message(["500000000000001AAA"], org_id="00D999999999999AAA")[0] == 401
    status, _ = desk.post(
        "/webhooks/salesforce?secret=salesforce-url-secret",
        b"<not-soap",
        {"Content-Type": "text/xml"},
    )
    assert status == 400
    assert _reports(desk) == []
    assert desk.salesforce.calls == []


def _ticket(updated: str, **extra: object) -> dict[str, object]:
    return {
        "id": "T-77",
        "updated_at": updated,
        "created_at": "2026-11-23T09:40:00Z",
        "url": "https://help.example.test/tickets/77",
        "subject": "Cannot log in",
        "tags": ["incident-1"],
        "requester": {"name": "Dana", "email": "dana@hooli.test"},
        "organization": {"name": "Hooli"},
        "assignee_email": "alex@acme.test",
        **extra,
    }


def test_the_generic_webhook_attaches_and_ignores_redeliveries(desk: Desk) -> None:
    desk.incident()
    ticket = _ticket("2026-11-23T09:50:00Z", fields={"tier": "premium"})
    assert desk.generic_webhook(ticket) == (202, {"ok": True, "duplicate": False})
    for _ in range(3):
        assert desk.generic_webhook(ticket) == (202, {"ok": True, "duplicate": True})
    [report] = _reports(desk)
    assert (report.customer_name, report.tier, report.owner_user_id) == (
        "Hooli",
        "premium",
        "UAGENT",
    )


def test_an_older_version_arriving_late_never_overwrites_a_newer_one(desk: Desk) -> None:
    desk.incident()
    desk.generic_webhook(_ticket("2026-11-23T09:50:00Z", fields={"version": "4.1"}))
    desk.generic_webhook(_ticket("2026-11-23T09:55:00Z", fields={"version": "4.2"}))
    desk.generic_webhook(_ticket("2026-11-23T09:52:00Z", fields={"version": "4.0"}))
    [report] = _reports(desk)
    assert report.product_version == "4.2"
    with desk.harness.session() as session:
        link = session.scalars(select(TicketLink)).one()
        assert link.ticket_updated_at.isoformat() == "2026-11-23T09:55:00+00:00"


def test_the_generic_webhook_checks_its_signature_and_body(desk: Desk) -> None:
    desk.incident()
    assert desk.generic_webhook(_ticket("2026-11-23T09:50:00Z"), secret="wrong")[0] == 401
    status, answer = desk.generic_webhook({"id": "T-1"})
    assert status == 400 and answer["error"].startswith("malformed body")
    assert _reports(desk) == []


def test_a_solved_case_counts_as_answered(desk: Desk) -> None:
    desk.incident("inc-sev2-checkout")
    _case(desk, "500000000000001AAA", "00001001")
    desk.salesforce_message(["500000000000001AAA"])
    solved_at = desk.harness.clock.now() + timedelta(minutes=4)
    desk.salesforce.change("500000000000001AAA", solved_at, Status="Closed", IsClosed=True)
    desk.harness.clock.advance(timedelta(minutes=5))
    desk.salesforce_message(["500000000000001AAA"])
    [report] = _reports(desk)
    assert report.responded_at == solved_at
    with desk.harness.session() as session:
        assert session.scalar(select(func.count(TicketLink.id))) == 1
    assert sf_time(solved_at).startswith("2026-11-23T10:04")
