"""Handing a ticket over: the modal, the new owner told, the reminders following them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.ids import SlaActions, SlaIds
from tests.handlers.sla_support import (
    attach,
    button_ids,
    declare,
    dm_texts,
    dms,
    first_warning,
    press,
    reminders_of,
    report,
    sqlite_only,
)
from tests.harness import Harness


def _open_handover(harness: Harness, message: dict[str, Any], *, dm_of: str, user: str) -> dict:
    press(harness, SlaActions.hand_over, message, dm_of=dm_of, user=user)
    return harness.fake.calls_to("views.open")[-1].params["view"]


def test_hand_over_moves_ownership_and_the_reminders_follow(sla: Harness) -> None:
    # 10:30: the first warning to the agent
    report_id, warning = first_warning(sla, customer="Acme Corp")

    modal = _open_handover(sla, warning, dm_of="UAGENT", user="UAGENT")
    assert modal["callback_id"] == SlaIds.handover_modal
    assert "*Acme Corp*" in modal["blocks"][0]["text"]["text"]
    result = sla.view_submission(
        modal,
        {SlaIds.handover_user_block: "UCOL", SlaIds.handover_note_block: "Prefers phone"},
        user="UAGENT",
    )
    assert result.status == 200
    assert result.body == ""  # the modal closes

    assert report(sla, report_id).owner_user_id == "UCOL"
    [notice] = dms(sla, "UCOL")
    assert "<@UAGENT> handed you the ticket of *Acme Corp*" in notice["text"]
    assert "*30m left*" in notice["text"]
    assert "Their note: _Prefers phone_" in notice["text"]
    assert button_ids(notice)[0] == SlaActions.mark_responded
    [settled] = dms(sla, "UAGENT")  # the pressed DM now says what happened
    assert button_ids(settled) == []
    assert "handed the ticket of *Acme Corp*" in settled["text"]

    sla.advance(timedelta(minutes=20))  # 10:50: the 10-minute warning goes to the colleague
    assert len(dms(sla, "UAGENT")) == 1
    assert "*10m left* to answer *Acme Corp*" in dm_texts(sla, "UCOL")[1]

    sla.advance(timedelta(minutes=10))  # 11:00: breach, told to the new owner
    assert "is *breached*" in dm_texts(sla, "UCOL")[2]
    assert len(dms(sla, "UAGENT")) == 1
    assert "<@UCOL> has not answered" in dm_texts(sla, "UMGR")[0]
    kinds = reminders_of(sla, report_id)
    assert ("sla.warning", "UAGENT", "cancelled") in kinds
    assert ("sla.warning", "UCOL", "sent") in kinds


def test_the_old_owner_s_buttons_no_longer_act_after_the_hand_over(sla: Harness) -> None:
    report_id, warning = first_warning(sla)
    modal = _open_handover(sla, warning, dm_of="UAGENT", user="UAGENT")
    sla.view_submission(modal, {SlaIds.handover_user_block: "UCOL"}, user="UAGENT")

    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")
    assert "owned by <@UCOL>" in sla.last_reply()
    assert report(sla, report_id).responded_at is None

    [notice] = dms(sla, "UCOL")
    press(sla, SlaActions.mark_responded, notice, dm_of="UCOL")
    assert report(sla, report_id).responded_at is not None
    sla.advance(timedelta(hours=1))
    assert len(dms(sla, "UCOL")) == 1
    assert dms(sla, "UMGR") == []


@sqlite_only
def test_hand_over_to_nobody_oneself_or_a_deactivated_colleague_is_refused_inline(
    sla: Harness,
) -> None:
    report_id, warning = first_warning(sla)
    modal = _open_handover(sla, warning, dm_of="UAGENT", user="UAGENT")

    itself = sla.view_submission(modal, {SlaIds.handover_user_block: "UAGENT"}, user="UAGENT")
    assert itself.json() == {
        "response_action": "errors",
        "errors": {SlaIds.handover_user_block: "<@UAGENT> already owns this ticket."},
    }
    sla.fake.add_user("UGONE", "gone", real_name="Gone Person", deleted=True)
    gone = sla.view_submission(modal, {SlaIds.handover_user_block: "UGONE"}, user="UAGENT")
    assert (
        "Gone Person's account is deactivated" in gone.json()["errors"][SlaIds.handover_user_block]
    )
    assert report(sla, report_id).owner_user_id == "UAGENT"
    assert dms(sla, "UGONE") == []


def test_only_the_owner_or_the_escalation_contact_may_hand_over(sla: Harness) -> None:
    incident = declare(sla)
    report_id = attach(sla, incident)
    sla.fake.add_user("UAGENT", "agent", real_name="Alex Agent", deleted=True)
    sla.advance(timedelta(minutes=30))
    [forwarded] = dms(sla, "UMGR")  # the owner is gone: the manager got the reminder

    press(sla, SlaActions.hand_over, forwarded, dm_of="UMGR", user="UOTHER")
    assert "only its owner (or the SLA escalation contact) can hand it over" in sla.last_reply()
    assert sla.fake.calls_to("views.open") == []

    modal = _open_handover(sla, forwarded, dm_of="UMGR", user="UMGR")
    sla.view_submission(modal, {SlaIds.handover_user_block: "UCOL"}, user="UMGR")
    assert report(sla, report_id).owner_user_id == "UCOL"
    assert "<@UMGR> handed you the ticket" in dm_texts(sla, "UCOL")[0]
    assert "(it was <@UAGENT>'s)" in dm_texts(sla, "UCOL")[0]


def test_a_hand_over_submitted_after_the_ticket_was_answered_changes_nothing(
    sla: Harness,
) -> None:
    report_id, warning = first_warning(sla)
    modal = _open_handover(sla, warning, dm_of="UAGENT", user="UAGENT")
    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")

    late = sla.view_submission(modal, {SlaIds.handover_user_block: "UCOL"}, user="UAGENT")
    assert "already marked responded" in late.json()["errors"][SlaIds.handover_user_block]
    assert report(sla, report_id).owner_user_id == "UAGENT"
    assert dms(sla, "UCOL") == []
