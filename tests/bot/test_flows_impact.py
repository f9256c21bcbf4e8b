"""The live impact summary's debounce and its Slack failures, without HTTP.

The summary as people see it (blocks, pin, the severity hint button) stays end to end in
tests/handlers/test_impact_live.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot.models import Incident
from bot.services import incidents
from tests.bot.flows import Flow


def _live(flow: Flow, channel: str = "CINC1") -> list[str]:
    """Texts of the live summaries in the channel, as they stand now."""
    return [
        m.text
        for m in flow.slack.channel_messages(channel)
        if m.text.startswith("Customer impact of incident")
    ]


def test_a_steady_stream_of_reports_edits_at_most_once_a_minute(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = flow_factory(impact_refresh="60s")
    flow.dispatch_on_wake()  # each report is dispatched as it is attached
    incident = flow.open_incident()
    for index in range(30):  # one report every 10 seconds for five minutes
        flow.attach(incident.id, customer_name=f"Customer {index}")
        flow.advance(timedelta(seconds=10))
    # Posted at 0s, then edited at 60, 120, 180, 240 and 300s: five edits for 29 reports.
    assert len(flow.slack.calls_to("update")) == 5
    assert len(flow.slack.calls_to("pin")) == 1
    with flow.session() as session:
        refreshed = session.scalars(select(Incident.summary_refreshed_at)).one()
    assert refreshed == flow.clock.now()
    [summary] = _live(flow)
    assert summary.startswith("Customer impact of incident #1:")
    assert "30 reports from 30 customers" in summary


def test_reports_within_the_refresh_interval_edit_the_summary_once(flow: Flow) -> None:
    incident = flow.open_incident()
    flow.attach(incident.id)
    flow.dispatch()
    [summary] = flow.slack.channel_messages("CINC1")
    for index in range(4):
        flow.advance(timedelta(seconds=10))
        flow.attach(incident.id, customer_name=f"Customer {index}")
    assert flow.slack.calls_to("update") == []

    flow.advance(timedelta(seconds=25))  # IMPACT_REFRESH (60s) after the first post

    [edit] = flow.slack.calls_to("update")
    assert edit.args["ts"] == summary.ts
    [summary] = flow.slack.channel_messages("CINC1")
    assert summary.edits == 1
    assert summary.text.startswith("Customer impact of incident #1:")
    assert "5 reports from 5 customers" in summary.text


def test_a_deleted_summary_is_posted_again_and_pinned(flow: Flow) -> None:
    incident = flow.open_incident()
    flow.attach(incident.id, customer_name="Acme")
    flow.dispatch()
    [first] = flow.slack.channel_messages("CINC1")
    flow.slack.fail("update", "message_not_found")
    flow.attach(incident.id, customer_name="Globex")
    flow.advance(timedelta(seconds=60))
    posted = flow.slack.channel_messages("CINC1")
    assert len(posted) == 2 and posted[1].ts != first.ts
    assert flow.slack.pins["CINC1"] == [first.ts, posted[1].ts]
    assert "2 reports from 2 customers" in posted[1].text
    with flow.session() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None and stored.summary_ts == posted[1].ts


def test_slack_failing_the_edit_is_retried_not_lost(flow: Flow) -> None:
    incident = flow.open_incident()
    flow.attach(incident.id, customer_name="Acme")
    flow.dispatch()
    flow.slack.fail("update", "internal_error")
    flow.attach(incident.id, customer_name="Globex")
    flow.advance(timedelta(seconds=60))
    assert "1 report from 1 customer" in _live(flow)[0]
    flow.advance(timedelta(seconds=30))  # the dispatcher's first retry
    assert "2 reports from 2 customers" in _live(flow)[0]


def test_raising_the_severity_brings_the_next_full_summary_forward(flow: Flow) -> None:
    flow.dispatch_on_wake()
    incident = flow.open_incident("CINC1", "inc-sev3-checkout")
    flow.attach(incident.id, customer_name="Acme")
    flow.advance(timedelta(minutes=10))
    incidents.change_severity(flow.rt, incident_id=incident.id, severity="sev2", actor="UIC")
    flow.attach(incident.id, customer_name="Globex")
    flow.advance(timedelta(minutes=15))  # sev2: every 15 minutes, from the change
    full = [
        m
        for m in flow.slack.channel_messages("CINC1")
        if (m.blocks or [{}])[0].get("block_id") == "impact.full"
    ]
    assert len(full) == 1
    [chart] = flow.slack.uploads
    assert chart.args["channel"] == "CINC1"
    assert chart.args["content"].startswith(b"\x89PNG")
