"""``/liaison sla [all]`` and the resolution follow-up DM with its "customers told" button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ids import SlaActions
from bot.services.sla import actions
from tests.handlers.sla_support import (
    attach,
    button_ids,
    declare,
    dm_texts,
    dms,
    press,
    report,
    sqlite_only,
)
from tests.harness import Harness


def _queue_lines(reply: str) -> list[str]:
    return [line for line in reply.splitlines() if line.startswith("• ")]


def test_my_queue_lists_my_open_tickets_breached_first_then_by_time_left(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Later Inc", tier="enterprise")  # due 12:00
    attach(sla, incident, customer="Soon Ltd", tier="premium")  # due 11:00
    attach(
        sla,
        incident,
        customer="Overdue plc",
        first_contact_at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )  # due 09:30: breached on arrival
    attach(sla, incident, customer="Not mine", owner="UCOL")
    answered = attach(sla, incident, customer="Answered AG")
    sla.advance(timedelta(minutes=35))  # 10:35
    actions.mark_responded(sla.rt, report_id=answered, actor="UAGENT")

    sla.command("sla", channel="CGENERAL")

    reply = sla.last_reply()
    assert "You own 3 tickets waiting for a first response, *1 breached*, 1 at risk" in reply
    lines = _queue_lines(reply)
    assert [line.split(" · ")[1] for line in lines] == [
        "*Overdue plc*",
        "*Soon Ltd*",
        "*Later Inc*",
    ]
    assert lines[0].startswith("• :red_circle: *Breached* 1h 5m ago")
    assert lines[1].startswith("• :large_orange_circle: *25m left*")
    assert lines[2].startswith("• :large_green_circle: 1h 25m left")
    assert "<@UAGENT>" not in reply  # my own queue does not repeat my name


@sqlite_only
def test_the_incident_queue_shows_every_owner(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Mine", tier="enterprise")
    attach(sla, incident, customer="Theirs", owner="UCOL")
    other = declare(sla, channel="CGENERAL")
    attach(sla, other, customer="Elsewhere")

    sla.command("sla all", channel="CSUPPORT", user="UIC")

    reply = sla.last_reply()
    assert "*Incident #1 Checkout failing*: 2 tickets waiting for a first response" in reply
    lines = _queue_lines(reply)
    assert ["*Theirs*" in lines[0], "*Mine*" in lines[1]] == [True, True]
    assert "<@UCOL>" in lines[0]
    assert "<@UAGENT>" in lines[1]
    assert "Elsewhere" not in reply


@sqlite_only
def test_queue_outside_an_incident_and_bad_arguments_say_what_works(sla: Harness) -> None:
    sla.command("sla all", channel="CGENERAL")
    assert "not an incident channel" in sla.last_reply()
    sla.command("sla everything", channel="CGENERAL")
    assert "Usage: `/liaison sla [all]`" in sla.last_reply()
    sla.command("sla", channel="CGENERAL")
    assert "You own no ticket waiting for a first response" in sla.last_reply()
    help_text = sla.command("help", channel="CGENERAL").body
    assert "• `/liaison sla [all]` — Your tickets waiting for a first response" in help_text


def test_resolution_sends_each_owner_one_list_of_customers_to_tell(sla: Harness) -> None:
    incident = declare(sla)
    first = attach(sla, incident, customer="Acme Corp", ticket="SF-1")
    second = attach(sla, incident, customer="Globex", ticket="SF-2", tier="enterprise")
    theirs = attach(sla, incident, customer="Initech", owner="UCOL", ticket="SF-3")
    before = len(dms(sla, "UAGENT"))

    sla.command("resolve Rolled back the payment gateway config", channel="CSUPPORT", user="UIC")

    [digest] = dms(sla, "UAGENT")[before:]
    assert "*Incident #1 Checkout failing* is resolved" in digest["text"]
    assert "Tell your 2 customers" in digest["text"]
    texts = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section"]
    assert "*Acme Corp* · SF-1 · premium" in texts[1]
    assert "*Globex* · SF-2 · enterprise" in texts[1]
    assert "Initech" not in digest["text"]
    assert texts[2].startswith("```Hello,")
    # The resolve note is the responders' own: the text to copy for customers leaves it out.
    assert "gateway" not in texts[2]
    assert button_ids(digest) == [SlaActions.customers_told]
    assert len([t for t in dm_texts(sla, "UCOL") if "is resolved" in t]) == 1

    press(sla, SlaActions.customers_told, digest, dm_of="UAGENT")
    assert report(sla, first).customer_notified_at is not None
    assert report(sla, second).customer_notified_at is not None
    assert report(sla, theirs).customer_notified_at is None
    settled = dms(sla, "UAGENT")[-1]
    assert button_ids(settled) == []
    assert "Marked 2 customers of incident #1 as told" in str(settled["blocks"])

    press(sla, SlaActions.customers_told, digest, dm_of="UAGENT")
    assert "no customers of incident #1 left to tell" in sla.last_reply()

    sla.clock.advance(timedelta(minutes=5))
    sla.command("reopen", channel="CSUPPORT", user="UIC")
    sla.clock.advance(timedelta(minutes=5))
    sla.command("resolve Fixed for good", channel="CSUPPORT", user="UIC")
    assert len([t for t in dm_texts(sla, "UAGENT") if "is resolved" in t]) == 1
    assert len([t for t in dm_texts(sla, "UCOL") if "is resolved" in t]) == 2


@sqlite_only
def test_the_resolution_counts_customers_not_tickets(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp", ticket="SF-1")
    attach(sla, incident, customer="Acme Corp", ticket="SF-2")
    before = len(dms(sla, "UAGENT"))

    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")

    [digest] = dms(sla, "UAGENT")[before:]
    assert "Tell your 1 customer who reported it (2 tickets);" in digest["text"]
    assert "*Acme Corp* · SF-1" in digest["text"]
    assert "*Acme Corp* · SF-2" in digest["text"]

    press(sla, SlaActions.customers_told, digest, dm_of="UAGENT")
    assert "Marked 1 customer of incident #1 as told" in str(dms(sla, "UAGENT")[-1]["blocks"])
