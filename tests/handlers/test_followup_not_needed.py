"""The follow-up board's "Not needed" button: a reason modal, the line showing who and why,
and "Back to to tell", on the board, the App Home and the liaison's reminder DM."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ids import FollowupIds
from bot.models import Followup
from tests.handlers.sla_support import attach, declare, sqlite_only
from tests.harness import Harness


def _lines(harness: Harness, incident_id: int) -> dict[str, Followup]:
    with harness.session() as session:
        rows = session.scalars(select(Followup).where(Followup.incident_id == incident_id))
        return {row.customer_name: row for row in rows}


def _board(harness: Harness) -> dict[str, Any]:
    return harness.fake.calls_to("response_url")[-1].params


def _button(blocks: list[dict[str, Any]], action_id: str, followup_id: int) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] == action_id and element["value"] == str(followup_id):
                return {"block_id": block["block_id"], "value": element["value"]}
    raise AssertionError(f"no {action_id} button for line {followup_id}")


def _press(harness: Harness, action_id: str, button: dict[str, Any], **where: Any) -> None:
    harness.block_action(action_id, user="UAGENT", **button, **where)


def _modal(harness: Harness) -> dict[str, Any]:
    return harness.fake.calls_to("views.open")[-1].params["view"]


def _submit(harness: Harness, modal: dict[str, Any], reason: str) -> Any:
    return harness.view_submission(modal, {FollowupIds.reason_block: reason}, user="UAGENT")


def _resolved_board(harness: Harness) -> tuple[int, dict[str, Followup]]:
    incident = declare(harness)
    attach(harness, incident, customer="Acme Corp", ticket="SF-1")
    attach(harness, incident, customer="Globex", ticket="SF-2", owner="UCOL")
    harness.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    return incident, _lines(harness, incident)


def test_not_needed_asks_why_shows_who_and_can_be_undone_on_the_board(sla: Harness) -> None:
    incident, lines = _resolved_board(sla)
    acme = lines["Acme Corp"].id
    sla.command("followups", channel="CSUPPORT", user="UIC")
    button = _button(_board(sla)["blocks"], FollowupIds.not_needed, acme)
    _press(sla, FollowupIds.not_needed, button, channel="CSUPPORT")
    modal = _modal(sla)
    assert modal["callback_id"] == FollowupIds.not_needed_modal
    assert "*Acme Corp* will be marked as needing no follow-up" in str(modal["blocks"])

    # The reason is required and bounded: the modal stays open with the error on the field.
    blank = _submit(sla, modal, "   ").json()
    assert blank["response_action"] == "errors"
    assert blank["errors"] == {
        FollowupIds.reason_block: "Say why this customer needs no follow-up."
    }
    long = _submit(sla, modal, "x" * 301).json()
    assert (
        "Keep the reason under 300 characters (it has 301)"
        in long["errors"][FollowupIds.reason_block]
    )
    assert _lines(sla, incident)["Acme Corp"].state == "to_tell"

    assert _submit(sla, modal, "Told by their account manager on a call").body == ""
    line = _lines(sla, incident)["Acme Corp"]
    assert (line.state, line.told_by) == ("not_needed", "UAGENT")
    assert line.not_needed_reason == "Told by their account manager on a call"
    board = _board(sla)
    assert board["replace_original"] is True
    assert "Marked *Acme Corp* as needing no follow-up" in str(board["blocks"])
    assert "1 to tell, 0 told" in board["text"]
    sections = [b["text"]["text"] for b in board["blocks"] if b["type"] == "section"]
    acme_text = next(text for text in sections if text.startswith(":heavy_minus_sign: *Acme"))
    assert "Not needed: Told by their account manager on a call (<@UAGENT>" in acme_text

    undo = _button(board["blocks"], FollowupIds.undo_not_needed, acme)
    _press(sla, FollowupIds.undo_not_needed, undo, channel="CSUPPORT")
    line = _lines(sla, incident)["Acme Corp"]
    assert (line.state, line.not_needed_reason, line.told_by) == ("to_tell", None, None)
    board = _board(sla)
    assert "*Acme Corp* is back to tell" in str(board["blocks"])
    assert "2 to tell, 0 told" in board["text"]


def test_a_customer_told_meanwhile_cannot_be_marked_not_needed(sla: Harness) -> None:
    incident, lines = _resolved_board(sla)
    globex = lines["Globex"].id
    sla.command("followups", channel="CSUPPORT", user="UIC")
    button = _button(_board(sla)["blocks"], FollowupIds.not_needed, globex)
    _press(sla, FollowupIds.not_needed, button, channel="CSUPPORT")
    modal = _modal(sla)
    from bot.services.followup import board as followups

    followups.mark_told(sla.rt, incident, "globex", "UCOL", "helpdesk")
    answer = _submit(sla, modal, "Churned").json()
    assert answer["errors"] == {FollowupIds.reason_block: "Globex was already told."}
    # A stale button on an old board message: told already, so no modal opens.
    opened = len(sla.fake.calls_to("views.open"))
    _press(sla, FollowupIds.not_needed, button, channel="CSUPPORT")
    assert len(sla.fake.calls_to("views.open")) == opened
    assert "Globex was already told." in sla.last_reply()


@sqlite_only
def test_not_needed_from_the_app_home_with_undo_in_the_notice(sla: Harness) -> None:
    incident, lines = _resolved_board(sla)
    acme = lines["Acme Corp"].id
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})
    home = sla.fake.homes["UAGENT"]
    button = _button(home["blocks"], FollowupIds.not_needed, acme)
    view = {"id": "VHOME", "type": "home"}
    _press(sla, FollowupIds.not_needed, button, view=view)
    assert _submit(sla, _modal(sla), "Customer closed their account").body == ""
    home = sla.fake.homes["UAGENT"]
    assert "Marked *Acme Corp* as needing no follow-up: Customer closed" in str(home["blocks"])
    assert "Customers to tell" not in str(home["blocks"])
    assert _lines(sla, incident)["Acme Corp"].state == "not_needed"

    undo = _button(home["blocks"], FollowupIds.undo_not_needed, acme)
    _press(sla, FollowupIds.undo_not_needed, undo, view=view)
    home = sla.fake.homes["UAGENT"]
    assert "*Acme Corp* is back to tell" in str(home["blocks"])
    assert "Customers to tell" in str(home["blocks"])
    assert _lines(sla, incident)["Acme Corp"].state == "to_tell"


@sqlite_only
def test_the_reminder_dm_carries_the_board_with_its_buttons(sla: Harness) -> None:
    incident, lines = _resolved_board(sla)
    sla.advance(timedelta(hours=4))
    [reminder] = [m for m in sla.fake.messages("CSUPPORT") if "still waiting" in m["text"]]
    button = _button(reminder["blocks"], FollowupIds.not_needed, lines["Globex"].id)
    _press(sla, FollowupIds.not_needed, button, channel="CSUPPORT")
    assert _submit(sla, _modal(sla), "Their CSM called them").body == ""
    board = _board(sla)
    assert "1 to tell, 0 told, 1 not needed" in board["text"]
    assert _lines(sla, incident)["Globex"].not_needed_reason == "Their CSM called them"
    # Not needed counts as dealt with: the next reminder names Acme only.
    sla.advance(timedelta(hours=4))
    last = [m for m in sla.fake.messages("CSUPPORT") if "still waiting" in m["text"]][-1]
    assert "*Acme Corp*" in last["text"] and "Globex" not in last["text"]
