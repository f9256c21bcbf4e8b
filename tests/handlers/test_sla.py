"""Ticket SLAs end to end: reminders before the deadline, escalation at breach, buttons."""

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
    setup_people,
    sqlite_only,
)
from tests.harness import Harness
from tests.impact_helpers import blocks_text, summaries


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


def test_a_deactivated_owner_s_reminder_goes_to_the_escalation_contact(sla: Harness) -> None:
    incident = declare(sla)
    report_id = attach(sla, incident, customer="Initech")
    sla.fake.add_user("UAGENT", "agent", real_name="Alex Agent", deleted=True)

    sla.advance(timedelta(minutes=30))

    assert dms(sla, "UAGENT") == []
    [forwarded] = dms(sla, "UMGR")
    assert "could not deliver this message to <@UAGENT>" in forwarded["text"]
    assert "their Slack account is deactivated" in forwarded["text"]
    assert "> :alarm_clock: *30m left* to answer *Initech*" in forwarded["text"]
    assert button_ids(forwarded) == [SlaActions.open_ticket, SlaActions.hand_over]
    assert ("sla.undeliverable", "UMGR", "sent") in reminders_of(sla, report_id)


def _just_before_the_first_warning(harness: Harness) -> None:
    """Attach a ticket whose first warning falls on an odd second, and stop 1 s before it,
    so an injected failure hits that DM and not another capability's message."""
    incident = declare(harness)
    contacted = harness.clock.now() - timedelta(minutes=7, seconds=29)  # due 10:52:31
    attach(harness, incident, customer="Umbrella", first_contact_at=contacted)
    harness.advance(timedelta(minutes=22, seconds=30))  # 10:22:30


@sqlite_only
def test_dms_refused_by_slack_are_forwarded_with_the_reason(sla: Harness) -> None:
    _just_before_the_first_warning(sla)
    assert dms(sla, "UAGENT") == []
    sla.fake.fail("chat.postMessage", "messages_tab_disabled")

    sla.advance(timedelta(seconds=1))

    [forwarded] = dms(sla, "UMGR")
    assert "Slack refused the DM (messages_tab_disabled)" in forwarded["text"]


@sqlite_only
def test_transient_slack_failures_are_retried_until_the_dm_arrives(sla: Harness) -> None:
    _just_before_the_first_warning(sla)
    sla.fake.fail("chat.postMessage", "internal_error")  # transient: worth another try

    stats = sla.advance(timedelta(seconds=1))
    assert stats.retried == 1
    assert dms(sla, "UAGENT") == []

    sla.advance(timedelta(minutes=1))
    assert len(dms(sla, "UAGENT")) == 1
    assert dms(sla, "UMGR") == []


@sqlite_only
def test_a_user_group_escalation_reaches_every_member(app_factory) -> None:
    harness = app_factory(sla_escalation="standard=UMGR,S0LEADS")
    setup_people(harness)
    harness.fake.add_usergroup("S0LEADS", "support-leads", ["UCOL", "UOTHER"])
    incident = declare(harness)
    attach(harness, incident, tier="enterprise")  # 2h

    harness.advance(timedelta(hours=2))

    assert "<!subteam^S0LEADS> has been told" in dm_texts(harness, "UAGENT")[-1]
    assert len(dms(harness, "UCOL")) == 1
    assert len(dms(harness, "UOTHER")) == 1
    assert dms(harness, "UMGR") == []


@sqlite_only
def test_first_contact_time_starts_the_clock_and_a_late_ticket_warns_at_once(
    sla: Harness,
) -> None:
    incident = declare(sla)
    contacted = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)  # 20 minutes before attaching
    report_id = attach(sla, incident, first_contact_at=contacted)

    assert report(sla, report_id).first_response_due_at == datetime(
        2026, 11, 23, 10, 40, tzinfo=UTC
    )
    # 40 minutes left: the 30-minute warning is still ahead, nothing yet.
    assert dms(sla, "UAGENT") == []

    late_id = attach(
        sla,
        incident,
        customer="Late Ltd",
        first_contact_at=datetime(2026, 11, 23, 9, 15, tzinfo=UTC),
    )
    # Due 10:15: the 30-minute lead time is behind us, so that warning goes out now...
    [warning] = dms(sla, "UAGENT")
    assert "*15m left* to answer *Late Ltd*" in warning["text"]
    # ... and the 10-minute one at 10:05, as usual.
    sla.advance(timedelta(minutes=5))
    assert "*10m left* to answer *Late Ltd*" in dm_texts(sla, "UAGENT")[1]
    assert [k for k, _, _ in reminders_of(sla, late_id)].count("sla.warning") == 2


@sqlite_only
def test_tickets_without_a_known_tier_follow_the_default_policy_or_none(app_factory) -> None:
    harness = app_factory(sla_default_tier="")
    setup_people(harness)
    incident = declare(harness)
    untiered = attach(harness, incident, tier=None)
    assert report(harness, untiered).first_response_due_at is None
    harness.advance(timedelta(days=2))
    assert dms(harness, "UAGENT") == []


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


def test_the_live_impact_summary_counts_the_breach(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp")
    sla.advance(timedelta(seconds=5))
    [summary] = summaries(sla.fake, "CSUPPORT", "impact.live")
    assert "already breached" not in blocks_text(summary)

    sla.advance(timedelta(hours=1))  # 11:00:05: breached

    [summary] = summaries(sla.fake, "CSUPPORT", "impact.live")
    assert summary["edited"]
    assert "1 already breached" in blocks_text(summary)
