"""Time left as SLA owners read it: rounded, and the same in DMs, `/liaison sla` and Home.

A reminder goes out a few seconds after its due time (the scheduler wakes every few
seconds), so a truncated "time left" told owners "29m left" and "9m left" for the default
30- and 10-minute leads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.handlers.sla_support import attach, declare, dm_texts, setup_people, sqlite_only
from tests.harness import Harness


@sqlite_only
def test_the_default_leads_read_30m_and_10m_when_the_dm_is_a_few_seconds_late(
    sla: Harness,
) -> None:
    attach(sla, declare(sla), customer="Acme Corp", tier="premium")  # due 11:00

    sla.advance(timedelta(minutes=30, seconds=4))  # the 10:30 warning, sent at 10:30:04
    sla.advance(timedelta(minutes=20, seconds=5))  # the 10:50 warning, sent at 10:50:09

    first, second = dm_texts(sla, "UAGENT")
    assert first.startswith(":alarm_clock: *30m left* to answer *Acme Corp*")
    assert second.startswith(":alarm_clock: *10m left* to answer *Acme Corp*")


@sqlite_only
def test_a_warning_two_minutes_before_the_deadline_reads_2m_left(app_factory: Any) -> None:
    harness = app_factory(sla_escalation="UMGR", sla_reminder_leads=[timedelta(minutes=2)])
    setup_people(harness)
    attach(harness, declare(harness), customer="Acme Corp", tier="premium")  # due 11:00

    harness.advance(timedelta(minutes=58, seconds=3))  # 117 s before the deadline

    [warning] = dm_texts(harness, "UAGENT")
    assert warning.startswith(":alarm_clock: *2m left* to answer *Acme Corp*")


@sqlite_only
def test_app_home_and_the_sla_command_agree_on_the_time_left(sla: Harness) -> None:
    attach(sla, declare(sla), customer="Acme Corp", tier="premium")  # due 11:00
    sla.advance(timedelta(minutes=35, seconds=20))  # 24m 40s left

    sla.command("sla", channel="CGENERAL")
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})

    [queue_line] = [line for line in sla.last_reply().splitlines() if "Acme Corp" in line]
    home_texts = [b.get("text", {}).get("text", "") for b in sla.fake.homes["UAGENT"]["blocks"]]
    [home_line] = [text for text in home_texts if "Acme Corp" in text]
    assert queue_line.startswith("• :large_orange_circle: *25m left* · *Acme Corp*")
    assert home_line.startswith(":large_orange_circle: *25m left* · *Acme Corp*")
