"""``GET /metrics``: operational gauges read from the database at scrape time."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

from tests.handlers.sla_support import attach, declare, sqlite_only
from tests.harness import Harness


def _scrape(harness: Harness) -> str:
    base = harness.slack.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        return response.read().decode()


@sqlite_only
def test_open_incidents_tickets_at_risk_and_jobs_are_exposed(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp")  # premium: due in 1h, at risk 30m before
    sla.advance(timedelta(minutes=31))
    text = _scrape(sla)
    assert "liaison_facts_up 1.0" in text
    assert 'liaison_open_incidents{severity="sev2"} 1.0' in text
    assert 'liaison_open_tickets{state="at_risk"} 1.0' in text
    assert 'liaison_open_tickets{state="breached"} 0.0' in text
    assert 'liaison_jobs{kind="report.confirm",status="sent"} 1.0' in text
    assert 'liaison_jobs{kind="sla.breach",status="pending"} 1.0' in text

    sla.clock.advance(timedelta(hours=1))  # the breach job is due but nothing woke up yet
    text = _scrape(sla)
    assert 'liaison_jobs_due{kind="sla.breach"} 1.0' in text
    assert 'liaison_jobs_lag_seconds{kind="sla.breach"} 1860.0' in text
    assert 'liaison_open_tickets{state="breached"} 1.0' in text
