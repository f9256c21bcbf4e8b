"""Ticket SLAs end to end: reminders before the deadline, escalation at breach, buttons.

Undeliverable DMs, tiers, user-group escalation and the breach in the live summary are
fast flow tests in tests/bot/test_flows_sla.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from app import build
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
)
from tests.harness import Harness


def test_two_reminders_then_the_breach_reaches_owner_and_manager(sla: Harness) -> None:
    incident = declare(sla)
    report_id = attach(sla, incident, customer="Acme <Corp>", tier="premium")
    stored = report(sla, report_id)
    # Premium: 1 hour around the clock from the attach time (Monday 10:00 UTC).
    assert stored.sla_policy == "premium"
    assert stored.first_response_due_at == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)

    sla.advance(timedelta(minutes=29))
    assert dm_texts(sla, "UAGENT") == []

    sla.advance(timedelta(minutes=1))  # 10:30, 30 minutes before the deadline
    [first] = dms(sla, "UAGENT")
    assert "*30m left* to answer *Acme &lt;Corp&gt;*" in first["text"]
    assert "incident #1 Checkout failing" in first["text"]
    assert "premium SLA: 1h first response, 24/7" in first["text"]
    assert button_ids(first) == [
        SlaActions.mark_responded,
        SlaActions.open_ticket,
        SlaActions.hand_over,
    ]
    [opener] = [
        e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == SlaActions.open_ticket
    ]  # fmt: skip
    assert opener["url"] == "https://support.example.com/tickets/4711"

    sla.advance(timedelta(minutes=20))  # 10:50
    assert "*10m left*" in dm_texts(sla, "UAGENT")[1]
    assert dm_texts(sla, "UMGR") == []

    sla.advance(timedelta(minutes=10))  # 11:00: breached
    owner_texts = dm_texts(sla, "UAGENT")
    assert len(owner_texts) == 3
    assert "SLA of *Acme &lt;Corp&gt;* is *breached*" in owner_texts[2]
    assert "<@UMGR> has been told" in owner_texts[2]
    [escalation] = dms(sla, "UMGR")
    assert "SLA breach: <@UAGENT> has not answered *Acme &lt;Corp&gt;*" in escalation["text"]
    assert button_ids(escalation) == [SlaActions.open_ticket, SlaActions.hand_over]
    assert report(sla, report_id).breached_at == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)

    sla.advance(timedelta(hours=2))  # nothing is sent twice
    assert len(dm_texts(sla, "UAGENT")) == 3
    assert len(dm_texts(sla, "UMGR")) == 1


def test_mark_responded_stops_the_clock_and_updates_the_dm(sla: Harness) -> None:
    report_id, warning = first_warning(sla)

    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")

    stored = report(sla, report_id)
    assert stored.responded_at == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    assert stored.breached_at is None
    [updated] = dms(sla, "UAGENT")
    assert updated["edited"]
    assert button_ids(updated) == []
    assert "<@UAGENT> marked this ticket responded" in str(updated["blocks"])
    statuses = {(kind, status) for kind, _, status in reminders_of(sla, report_id)}
    assert ("sla.warning", "cancelled") in statuses
    assert ("sla.breach", "cancelled") in statuses

    sla.advance(timedelta(hours=3))
    assert len(dms(sla, "UAGENT")) == 1
    assert dms(sla, "UMGR") == []
    assert report(sla, report_id).breached_at is None


def test_a_second_press_a_stranger_and_an_answered_ticket_change_nothing(sla: Harness) -> None:
    report_id, warning = first_warning(sla, customer="Globex")

    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT", user="UOTHER")
    assert "owned by <@UAGENT>; only its owner can mark it responded" in sla.last_reply()
    assert report(sla, report_id).responded_at is None

    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")
    answered_at = report(sla, report_id).responded_at
    assert answered_at is not None

    sla.clock.advance(timedelta(minutes=2))
    press(sla, SlaActions.mark_responded, warning, dm_of="UAGENT")
    assert "was already marked responded" in sla.last_reply()
    assert "Nothing changed" in sla.last_reply()
    assert report(sla, report_id).responded_at == answered_at

    press(sla, SlaActions.hand_over, warning, dm_of="UAGENT")
    assert "was already marked responded" in sla.last_reply()
    assert sla.fake.calls_to("views.open") == []


def test_two_replicas_waking_together_send_each_reminder_once(sla: Harness, engine) -> None:
    incident = declare(sla)
    for number in range(12):
        attach(sla, incident, customer=f"Customer {number:02d}")
    replica = build(sla.rt.settings, clock=sla.clock, engine=engine, migrate=False)
    sla.clock.advance(timedelta(minutes=30))  # nobody has woken yet

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(d.run_once) for d in (sla.rt.dispatcher, replica.rt.dispatcher)]
        for run in runs:
            run.result()

    texts = dm_texts(sla, "UAGENT")
    assert sorted(t.split("*")[3] for t in texts) == [f"Customer {n:02d}" for n in range(12)]
    sla_posts = [
        call
        for call in sla.fake.calls_to("chat.postMessage")
        if (call.params.get("blocks") or [{}])[0].get("block_id") == SlaIds.message_block
    ]
    assert len(sla_posts) == 12
