"""What attaching a report sets off, run through the services and the in-memory Slack.

The report form itself (blocks, inline errors, the HTTP round trip) is covered end to end
in tests/handlers/test_reports.py; here the flow behind it is checked without HTTP.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.models import Incident, Reminder, Report
from bot.services.impact import live
from bot.services.report_confirmation import CONFIRM_KIND
from bot.services.sla.schedule import Kind as SlaKind
from tests.bot.flows import Flow


def test_an_attached_report_starts_its_sla_clock_confirms_and_posts_the_live_summary(
    flow: Flow,
) -> None:
    incident = flow.open_incident()
    flow.dispatch()  # the incident's own reminders (assessment deadline and the like)
    attached = flow.attach(incident.id, tier="premium", ticket_ref="ZD-1")
    now = flow.clock.now()

    with flow.session() as session:
        report = session.get(Report, attached.id)
        assert report is not None
        assert (report.owner_user_id, report.sla_policy) == ("UAGENT", "premium")
        assert report.first_response_due_at == now + timedelta(hours=1)
    warnings = flow.reminders(SlaKind.warning)
    assert [w.due_at for w in warnings] == [
        now + timedelta(minutes=30),
        now + timedelta(minutes=50),
    ]
    assert {w.status for w in warnings} == {"pending"}
    [breach] = flow.reminders(SlaKind.breach)
    assert breach.due_at == now + timedelta(hours=1)
    assert flow.slack.dms("UAGENT") == []  # nothing is sent inside the request

    flow.dispatch()

    [dm] = flow.slack.dms("UAGENT")
    assert "Report attached to *incident #1*" in dm.text
    assert "1 report from 1 customer so far" in dm.text
    [summary] = flow.slack.channel_messages("CINC1")
    assert summary.text.startswith("Customer impact of incident #1: 1 report from 1 customer")
    assert flow.slack.pins["CINC1"] == [summary.ts]
    with flow.session() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None and stored.summary_ts == summary.ts
    assert [r.status for r in flow.reminders(CONFIRM_KIND)] == ["sent"]


def test_a_repeat_customer_is_confirmed_as_counted_by_the_attach_or_counted_when_sent(
    flow: Flow,
) -> None:
    incident = flow.open_incident()
    flow.dispatch()
    flow.attach(incident.id, agent="UFIRST")
    flow.attach(incident.id, agent="USECOND")
    flow.attach(incident.id, agent="UTHIRD")
    # The third's job as written before the attach recorded the count: counted on sending.
    [*_, third] = flow.reminders(CONFIRM_KIND)
    with flow.rt.sessions.begin() as session:
        session.execute(update(Reminder).where(Reminder.id == third.id).values(payload={}))
    assert [r.payload for r in flow.reminders(CONFIRM_KIND)][:2] == [
        {"earlier_reports": 0},
        {"earlier_reports": 1},
    ]

    flow.dispatch()

    [first] = flow.slack.dms("UFIRST")
    assert "had already reported" not in first.text
    [second] = flow.slack.dms("USECOND")
    assert "Acme Corp had already reported this incident (1 earlier report)" in second.text
    [third_dm] = flow.slack.dms("UTHIRD")
    assert "Acme Corp had already reported this incident (2 earlier reports)" in third_dm.text


def test_a_confirmation_slack_refuses_for_now_is_retried(flow: Flow) -> None:
    incident = flow.open_incident()
    flow.slack.fail("dm", "internal_error")
    flow.attach(incident.id)
    flow.dispatch()
    assert flow.slack.dms("UAGENT") == []
    [reminder] = flow.reminders(CONFIRM_KIND)
    assert (reminder.status, reminder.attempts) == ("pending", 1)

    flow.advance(timedelta(seconds=31))

    assert len(flow.slack.dms("UAGENT")) == 1
    assert [r.status for r in flow.reminders(CONFIRM_KIND)] == ["sent"]


def test_a_summary_the_channel_refuses_for_good_is_not_retried(flow: Flow) -> None:
    incident = flow.open_incident()
    flow.slack.add_channel("CINC1", "inc-sev3-checkout-eu", archived=True)
    flow.attach(incident.id)
    flow.dispatch()
    assert flow.slack.channel_messages("CINC1") == []
    [refresh] = flow.reminders(live.REFRESH)
    assert refresh.status == "failed"
    assert "is_archived" in (refresh.last_error or "")
