"""The update cadence's deadlines and delivery: business days across a holiday and a
weekend, resolve and reopen, severity changes, and Slack failures while sending."""

from __future__ import annotations

from datetime import timedelta

from bot import reminders
from bot.dispatcher import Outcome
from bot.ids import CadenceIds
from bot.models import Incident
from bot.services.cadence_nudges import handle_reminder
from tests.handlers.cadence_support import (
    CHANNEL,
    channel_texts,
    declare,
    dms,
    reminders_in_channel,
    rows,
    sqlite_only,
    submit_update,
)
from tests.harness import Harness


@sqlite_only
def test_report_deadlines_count_business_days_across_a_holiday_and_a_weekend(
    app_factory,
) -> None:
    harness = app_factory(holidays_country="US", liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    harness.clock.set(harness.clock.now().replace(day=25, hour=15))  # Wed 25 Nov 2026
    declare(harness, severity="sev2")
    harness.command("resolve Fixed", channel=CHANNEL, user="UIC")
    due = {r.kind: r.due_at.strftime("%a %d %b %H:%M") for r in rows(harness, "cadence.p")}
    assert due == {
        "cadence.prelim.nudge": "Fri 27 Nov 13:00",  # Thu 26 is Thanksgiving
        "cadence.prelim.due": "Fri 27 Nov 15:00",
        "cadence.prelim.escalate": "Mon 30 Nov 15:00",  # over the weekend
        "cadence.pir.nudge": "Thu 03 Dec 13:00",
        "cadence.pir.due": "Thu 03 Dec 15:00",
        "cadence.pir.escalate": "Thu 10 Dec 15:00",
    }
    harness.advance(timedelta(days=1, hours=22))  # Fri 13:00
    [nudge] = [m["text"] for m in dms(harness, "UIC") if "report" in m["text"]]
    assert "The preliminary incident report for *incident #1* (Checkout down) is due in 2h" in nudge
    assert "`/liaison prelim <link>`" in nudge
    harness.advance(timedelta(hours=3))  # Fri 16:00
    assert (
        "preliminary incident report for *incident #1* is overdue by 1h"
        in (reminders_in_channel(harness, "preliminary")[-1])
    )
    harness.command("prelim https://docs.example.com/inc-1-prelim", channel=CHANNEL, user="UIC")
    assert (
        "<@UIC> delivered the preliminary incident report for *incident #1*: "
        "<https://docs.example.com/inc-1-prelim> (1h after it was due)."
    ) in channel_texts(harness)[-1]
    harness.advance(timedelta(days=4))  # Tue 1 Dec: no prelim escalation on Monday
    assert [m for m in dms(harness, "UESC") if "*Escalation" in m["text"]] == []
    harness.advance(timedelta(days=1, hours=21))  # Thu 3 Dec 13:00
    assert any("post-incident report" in m["text"] for m in dms(harness, "UIC"))
    with harness.session() as session:
        incident = session.get(Incident, 1)
        assert incident.prelim_report_url == "https://docs.example.com/inc-1-prelim"
        assert incident.pir_delivered_at is None


@sqlite_only
def test_resolving_stops_the_cadence_and_reopening_restarts_it(harness: Harness) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=5))
    harness.command("resolve", channel=CHANNEL, user="UIC")
    harness.advance(timedelta(minutes=30))
    assert reminders_in_channel(harness) == []
    harness.command("reopen", channel=CHANNEL, user="UIC")  # 10:35
    assert {r.status for r in rows(harness, "cadence.p")} == {"cancelled"}
    harness.advance(timedelta(minutes=15))
    [due] = reminders_in_channel(harness)
    assert "Nothing was posted since it was reopened" in due


@sqlite_only
def test_raising_the_severity_tightens_the_deadline(harness: Harness) -> None:
    declare(harness, severity="sev3")
    harness.advance(timedelta(minutes=20))
    assert reminders_in_channel(harness) == []  # sev3: due at 11:00
    harness.command("severity sev1", channel=CHANNEL, user="UIC")
    [due] = reminders_in_channel(harness)
    assert "is overdue by 5m" in due
    harness.advance(timedelta(minutes=3))  # an assessment is now due from becoming major
    [nudge] = [m["text"] for m in dms(harness, "UIC") if "impact assessment" in m["text"]]
    assert "the clock started when it became a major incident" in nudge


@sqlite_only
def test_a_transient_slack_error_is_retried_with_backoff(harness: Harness) -> None:
    declare(harness)
    harness.advance(timedelta(minutes=14))
    harness.fake.rate_limit("chat.postMessage", retry_after=0, times=4)  # beyond the client's
    stats = harness.advance(timedelta(minutes=1))
    assert (stats.retried, reminders_in_channel(harness)) == (1, [])
    harness.advance(timedelta(seconds=30))
    assert len(reminders_in_channel(harness)) == 1


@sqlite_only
def test_a_permanent_slack_error_is_recorded_and_not_retried(app_factory) -> None:
    harness = app_factory(liaison_escalation="UESC")
    harness.fake.add_user("UESC", "oncall-lead")
    declare(harness)
    harness.fake.add_channel(CHANNEL, "inc-checkout", archived=True, members=["UBOT"])
    harness.advance(timedelta(minutes=15))
    failed = {r.kind: r.last_error for r in rows(harness) if r.status == "failed"}
    assert failed == {
        "cadence.assessment.due": "ChannelArchived: chat.postMessage failed: is_archived",
        "cadence.update.due": "ChannelArchived: chat.postMessage failed: is_archived",
    }
    calls = len(harness.fake.calls_to("chat.postMessage"))
    harness.advance(timedelta(minutes=14))
    assert len(harness.fake.calls_to("chat.postMessage")) == calls
    harness.advance(timedelta(minutes=1))
    escalations = [m for m in dms(harness, "UESC") if "*Escalation" in m["text"]]
    assert len(escalations) == 2  # the escalations still go out


@sqlite_only
def test_a_claimed_nudge_whose_update_was_posted_meanwhile_is_not_sent(harness: Harness) -> None:
    declare(harness)
    harness.clock.advance(timedelta(minutes=13))
    due = reminders.claim_due(
        harness.rt.sessions, now=harness.clock.now(), worker="other", limit=10,
        lease=timedelta(minutes=2),
    )  # fmt: skip
    [claimed] = [r for r in due if r.kind == "cadence.update.nudge"]
    submit_update(harness, {CadenceIds.message_block: "Still on it."})
    sent_before = len(harness.fake.calls_to("chat.postMessage"))
    assert handle_reminder(harness.rt, claimed) is Outcome.obsolete
    assert len(harness.fake.calls_to("chat.postMessage")) == sent_before
