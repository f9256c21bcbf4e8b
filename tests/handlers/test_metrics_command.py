"""``/liaison metrics`` over several incidents, and the App Home's Metrics section."""

from __future__ import annotations

from datetime import timedelta

from bot.services import incidents
from tests.handlers.sla_support import attach, sqlite_only
from tests.harness import Harness


def _incident(harness: Harness, channel: str, severity: str, minutes: int) -> int:
    harness.fake.add_channel(channel, f"inc-{channel.lower()}")
    harness.command(f"declare {severity} Checkout failing", channel=channel, user="UIC")
    incident_id = incidents.for_channel(harness.rt, channel).id
    attach(harness, incident_id, customer=f"Customer {channel}")
    harness.clock.advance(timedelta(minutes=minutes))
    harness.command("resolve Fixed", channel=channel, user="UIC")
    return incident_id


@sqlite_only
def test_metrics_over_several_incidents_with_the_period_before(sla: Harness) -> None:
    sla.command("metrics 7d", channel="CSUPPORT", user="UMGR")
    assert "No incidents in this period." in sla.last_reply()

    _incident(sla, "CINC1", "sev2", 30)
    _incident(sla, "CINC2", "sev2", 90)
    _incident(sla, "CINC3", "sev3", 60)
    sla.command("metrics 7d", channel="CSUPPORT", user="UMGR")
    reply = sla.last_reply()
    assert reply.startswith(":bar_chart: *Support metrics: last 7 days*")
    assert "*Incidents:* 3 (sev2 2, sev3 1) · before: none" in reply
    assert "*MTTR* (customer-visible): p50 1h · p90 1h 30m (3) · before: no data" in reply
    assert "*MTTA* (liaison accepted): no data, 2 without a liaison" in reply
    [chart] = [f for f in sla.fake.files.values() if f.name.startswith("liaison-metrics")]
    assert chart.channel == "CSUPPORT"
    assert (chart.content or b"").startswith(b"\x89PNG")

    sla.command("metrics 7d sev3", channel="CSUPPORT", user="UMGR")
    assert "*Incidents:* 1 (sev3 1)" in sla.last_reply()

    sla.command("metrics fortnight", channel="CSUPPORT", user="UMGR")
    assert "`fortnight` is neither a period" in sla.last_reply()


@sqlite_only
def test_the_home_shows_metrics_to_support_managers_only(sla: Harness) -> None:
    _incident(sla, "CINC1", "sev2", 30)
    sla.event({"type": "app_home_opened", "user": "UMGR", "channel": "D1", "tab": "home"})
    manager = str(sla.fake.homes["UMGR"]["blocks"])
    assert "'Metrics'" in manager and "*Incidents:* 1 (sev2 1)" in manager
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})
    assert "'Metrics'" not in str(sla.fake.homes["UAGENT"]["blocks"])


@sqlite_only
def test_the_weekly_digest_is_posted_when_configured(app_factory) -> None:
    # The clock starts on Monday 23 November 2026, 10:00 UTC; the digest is due Monday 09:00.
    harness = app_factory(metrics_digest_channel="CLEADS", metrics_digest_schedule="mon 09:00")
    harness.fake.add_channel("CLEADS", "support-leads")
    _incident(harness, "CINC1", "sev2", 30)
    harness.advance(timedelta(days=6, hours=22))
    assert not [m for m in harness.fake.messages("CLEADS") if "Support metrics" in m["text"]]
    harness.advance(timedelta(hours=1))
    [digest] = [m for m in harness.fake.messages("CLEADS") if "Support metrics" in m["text"]]
    assert "*Support metrics: last 7 days*" in digest["text"]
    assert "*Incidents:* 1 (sev2 1)" in digest["text"]
    harness.advance(timedelta(days=7))
    assert len([m for m in harness.fake.messages("CLEADS") if "Support metrics" in m["text"]]) == 2
