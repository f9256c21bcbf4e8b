"""``/liaison prelim draft``: the preliminary report drafted from what Liaison recorded."""

from __future__ import annotations

from datetime import timedelta

from tests import followup_facts as facts
from tests.handlers.sla_support import attach, declare, sqlite_only
from tests.harness import Harness


@sqlite_only
def test_the_drafted_prelim_tells_the_story_of_the_incident(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp", ticket="SF-1")
    attach(sla, incident, customer="Acme Corp", ticket="SF-2")
    attach(sla, incident, customer="Globex", ticket="SF-3", tier="enterprise")
    start = sla.clock.now()
    with sla.rt.sessions.begin() as session:
        facts.update(session, incident, posted=start + timedelta(minutes=5),
                     next_due=start + timedelta(minutes=20))  # fmt: skip
        facts.update(session, incident, posted=start + timedelta(minutes=30),
                     next_due=start + timedelta(minutes=45))  # fmt: skip
    sla.clock.advance(timedelta(minutes=10))
    sla.command("severity sev1", channel="CSUPPORT", user="UIC")
    sla.clock.advance(timedelta(minutes=30))
    sla.command("resolve Rolled back the gateway config", channel="CSUPPORT", user="UIC")

    sla.command("prelim draft", channel="CSUPPORT", user="ULIA")

    [upload] = [f for f in sla.fake.files.values() if f.name.endswith(".md")]
    assert upload.channel == "CSUPPORT"
    assert upload.name == "incident-1-preliminary-report.md"
    assert "Edit it, deliver it, then record it with `/liaison prelim <link>`" in (
        upload.initial_comment or ""
    )
    report = (upload.content or b"").decode()
    assert report.startswith("# Preliminary incident report: #1 Checkout failing\n")
    assert "- Severity: SEV1" in report
    assert "- 2026-11-23 10:10 — Severity changed sev2 → sev1 by UIC" in report
    assert "- 2026-11-23 10:05 — Status update (investigating: We are looking into it.)" in report
    assert "- 2026-11-23 10:40 — Resolved by UIC" in report
    assert "- Resolution: Rolled back the gateway config" in report
    assert "- 3 reports from 2 customers" in report
    assert "- Leading tiers: enterprise (1), premium (1)" in report
    # 10:20 was missed (next update 10:30); 10:45 was met by the resolution at 10:40.
    assert "- Update cadence: 1 of 2 promised updates on time (1 missed)" in report
    assert "- Customers told of the resolution: 0 of 2" in report
    assert "<" not in report.replace("<link>", "")
