"""The update cadence's report deadlines: business days across a holiday and a weekend,
end to end. Resolve and reopen, severity changes and Slack failures while sending are
fast flow tests in tests/bot/test_flows_cadence.py."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Incident
from tests.handlers.cadence_support import (
    CHANNEL,
    channel_texts,
    declare,
    dms,
    reminders_in_channel,
    rows,
    sqlite_only,
)


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
