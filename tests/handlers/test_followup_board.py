"""After resolution: the follow-up board, marking customers told, reactions, the reminder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import FollowupIds, SlaActions
from bot.models import Followup
from bot.services.followup import board as followups
from tests.handlers.sla_support import attach, declare, dms, press, report, sqlite_only
from tests.harness import Harness


def _board_reply(harness: Harness) -> dict[str, Any]:
    call = harness.fake.calls_to("response_url")[-1]
    return call.params


def _sections(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in reply["blocks"] if block["type"] == "section"]


def _menu_value(reply: dict[str, Any], customer: str, label: str) -> str:
    for block in _sections(reply):
        if f"*{customer}*" in block["text"]["text"] and "accessory" in block:
            for opt in block["accessory"]["options"]:
                if opt["text"]["text"] == label:
                    return opt["value"]
    raise AssertionError(f"no {label!r} for {customer} on the board")


def _pick(harness: Harness, value: str, user: str = "UAGENT") -> None:
    harness.block_action(
        FollowupIds.board_menu,
        user=user,
        channel="CSUPPORT",
        extra={"type": "overflow", "selected_option": {"value": value}},
    )


def _lines(harness: Harness, incident_id: int) -> dict[str, Followup]:
    with harness.session() as session:
        rows = session.scalars(select(Followup).where(Followup.incident_id == incident_id))
        return {row.customer_name: row for row in rows}


def test_resolution_fills_the_board_and_owners_mark_customers_told(sla: Harness) -> None:
    incident = declare(sla)
    first = attach(sla, incident, customer="Acme Corp", ticket="SF-1")
    attach(sla, incident, customer="Acme Corp", ticket="SF-2", owner="UCOL")
    attach(sla, incident, customer="Globex", ticket="SF-3", tier="enterprise")

    sla.command("followups", channel="CSUPPORT", user="UIC")
    assert "is not resolved yet" in sla.last_reply()

    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    sla.command("followups", channel="CSUPPORT", user="UIC")
    board = _board_reply(sla)
    assert board["text"].startswith(":clipboard: *Follow-ups of incident #1 Checkout failing*")
    assert "2 to tell, 0 told" in board["text"]
    acme = next(b for b in _sections(board) if "*Acme Corp*" in b["text"]["text"])
    # One line per customer, with both tickets and both owners.
    assert "SF-1" in acme["text"]["text"] and "SF-2" in acme["text"]["text"]
    assert "<@UAGENT>" in acme["text"]["text"] and "<@UCOL>" in acme["text"]["text"]

    _pick(sla, _menu_value(board, "Acme Corp", "Mark told"), user="UCOL")
    board = _board_reply(sla)
    assert "Marked *Acme Corp* as told" in str(board["blocks"])
    assert "1 to tell, 1 told" in board["text"]
    assert report(sla, first).customer_notified_at is not None
    assert _lines(sla, incident)["Acme Corp"].told_how == "board"

    # The resolution DM's button tells the rest; Acme stays told by the board.
    [digest] = [m for m in dms(sla, "UAGENT") if "is resolved" in m["text"]]
    assert "Globex" in digest["text"]
    press(sla, SlaActions.customers_told, digest, dm_of="UAGENT")
    lines = _lines(sla, incident)
    assert lines["Globex"].state == "told" and lines["Globex"].told_how == "dm"
    assert lines["Acme Corp"].told_by == "UCOL"

    sla.command("followups", channel="CSUPPORT", user="UIC")
    board = _board_reply(sla)
    _pick(sla, _menu_value(board, "Globex", "Customer satisfied"))
    assert "Recorded that *Globex* was satisfied" in str(_board_reply(sla)["blocks"])
    assert _lines(sla, incident)["Globex"].reaction == "satisfied"


@sqlite_only
def test_the_liaison_is_reminded_while_customers_are_untold(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp")
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")

    sla.advance(timedelta(hours=3, minutes=59))
    assert not [m for m in sla.fake.messages("CSUPPORT") if "still waiting" in m["text"]]
    sla.advance(timedelta(minutes=1))
    [reminder] = [m for m in sla.fake.messages("CSUPPORT") if "still waiting" in m["text"]]
    assert "1 customer of incident #1 *Checkout failing* is still waiting" in reminder["text"]
    assert "*Acme Corp*" in reminder["text"]

    followups.mark_told(sla.rt, incident, "acme corp", "UAGENT", "helpdesk")
    sla.advance(timedelta(hours=4))
    assert len([m for m in sla.fake.messages("CSUPPORT") if "still waiting" in m["text"]]) == 1


@sqlite_only
def test_credits_owed_are_listed_with_the_wording_for_the_customer(app_factory) -> None:
    from bot.services import reports
    from bot.services.reports import ReportSubmission
    from tests import followup_facts as facts
    from tests.handlers.sla_support import setup_people

    harness = app_factory(sla_escalation="UMGR", sla_credits="premium=10%>1h,25%>4h")
    setup_people(harness)
    with harness.rt.sessions.begin() as session:
        facts.account(session, "A1", "Acme Corp", "premium")
    incident = declare(harness)
    submission = ReportSubmission(
        incident_id=incident, account_id="A1", customer_name="Acme Corp", summary="down"
    )
    reports.attach(harness.rt, submission, agent_id="UAGENT")
    harness.clock.advance(timedelta(hours=1, minutes=30))
    harness.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    harness.command("followups", channel="CSUPPORT", user="UIC")
    text = str(_board_reply(harness)["blocks"])
    assert "*Acme Corp* · credit 10%" in text
    assert "qualifies for a service credit of 10% of your monthly fee" in text
    assert "*Acme Corp* (premium): 10% of the monthly fee, down for 1h 30m (over 1h)" in text


@sqlite_only
def test_owners_mark_customers_told_from_the_app_home(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp", ticket="SF-1")
    attach(sla, incident, customer="Acme Corp", ticket="SF-2")
    attach(sla, incident, customer="Globex", ticket="SF-3", owner="UCOL")
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")

    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})
    home = sla.fake.homes["UAGENT"]
    lines = [
        b for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == FollowupIds.home_menu
    ]  # fmt: skip
    assert [b["text"]["text"].split(" · ")[0] for b in lines] == [
        ":hourglass_flowing_sand: *Acme Corp*"
    ]
    value = lines[0]["accessory"]["options"][0]["value"]
    sla.block_action(
        FollowupIds.home_menu,
        user="UAGENT",
        view={"id": "VHOME", "type": "home"},
        extra={"type": "overflow", "selected_option": {"value": value}},
    )
    home = sla.fake.homes["UAGENT"]
    assert "Marked *Acme Corp* as told" in str(home["blocks"])
    assert "Customers to tell" not in str(home["blocks"])
    assert _lines(sla, incident)["Acme Corp"].told_how == "home"


@sqlite_only
def test_the_help_desk_marks_told_by_account_and_records_later_replies(sla: Harness) -> None:
    from bot.errors import InvalidTransition, NotFound
    from bot.services import reports
    from bot.services.reports import ReportSubmission
    from tests import followup_facts as facts

    with sla.rt.sessions.begin() as session:
        facts.account(session, "A1", "Acme Corp", "premium")
    incident = declare(sla)
    reports.attach(
        sla.rt,
        ReportSubmission(incident_id=incident, account_id="A1", customer_name="Acme Corp",
                         summary="down"),
        agent_id="UAGENT",
    )  # fmt: skip
    attach(sla, incident, customer="Globex")
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    told_at = sla.clock.now()
    line = followups.mark_told(sla.rt, incident, "A1", "UHELPDESK", "helpdesk")
    assert (line.state, line.told_by, line.told_how) == ("told", "UHELPDESK", "helpdesk")
    assert followups.record_further_reply(sla.rt, incident, "A1", at=told_at) is False
    assert followups.record_further_reply(sla.rt, incident, "A1", at=told_at + timedelta(hours=1))
    rated = followups.record_rating(sla.rt, incident, "A1", reaction="neutral", note="slow")
    assert (rated.reaction, rated.told_by) == ("neutral", "UHELPDESK")
    globex = _lines(sla, incident)["Globex"]
    with pytest.raises(InvalidTransition):
        followups.record_reaction(sla.rt, globex.id, reaction="satisfied", by="UAGENT")
    skipped = followups.mark_not_needed(sla.rt, globex.id, by="UAGENT", reason="Churned")
    assert skipped.state == "not_needed"
    with pytest.raises(NotFound):
        followups.mark_told(sla.rt, incident, "Initech", "UAGENT", "helpdesk")
