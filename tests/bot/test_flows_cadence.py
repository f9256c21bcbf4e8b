"""Posting a status update resets the update cadence: the flow without HTTP.

The update modal (draft, inline errors, the HTTP round trip) stays end to end in
tests/handlers/test_cadence.py.
"""

from __future__ import annotations

from datetime import timedelta

from bot.models import Incident
from bot.services import status_updates
from tests.bot.conftest import Flow


def _nudges(flow: Flow, user: str = "UIC") -> list[str]:
    return [m.text for m in flow.slack.dms(user) if "status update" in m.text]


def _channel_reminders(flow: Flow) -> list[str]:
    return [
        m.text
        for m in flow.slack.channel_messages("CINC1")
        if m.text.startswith(":alarm_clock:") and "status update" in m.text
    ]


def _post_update(flow: Flow, *, next_seconds: int | None = None) -> None:
    submission = status_updates.parse_update(
        {
            "incident_id": 1,
            "status": "identified",
            "customer_message": "We found the cause and are fixing it.",
            "next_update_seconds": next_seconds,
        }
    )
    status_updates.post_update(flow.rt, submission, actor="UIC")


def test_an_update_posted_resets_the_cadence(flow: Flow) -> None:
    flow.open_incident("CINC1", "inc-sev1-checkout")  # sev1: an update every 15m
    flow.advance(timedelta(minutes=10))
    assert _nudges(flow) == []

    _post_update(flow)
    flow.dispatch()

    [posted] = flow.slack.channel_messages("CINC1")[-1:]
    assert "Status update · incident #1* · Identified — posted by <@UIC>" in posted.text
    with flow.session() as session:
        incident = session.get(Incident, 1)
        assert incident is not None
        assert incident.last_update_at == flow.clock.now()
    flow.advance(timedelta(minutes=5))  # 10:15, the old deadline: nothing
    assert _channel_reminders(flow) == []
    assert _nudges(flow) == []
    flow.advance(timedelta(minutes=8))  # 10:23: two minutes before the new 10:25
    [nudge] = _nudges(flow)
    assert "is due in 2m" in nudge
    old = [r for r in flow.reminders() if r.kind.startswith("cadence.update")]
    assert {r.kind for r in old if r.status == "cancelled"} == {
        "cadence.update.nudge",
        "cadence.update.due",
        "cadence.update.escalate",
    }


def test_an_update_promising_the_next_sooner_moves_the_deadline(flow: Flow) -> None:
    flow.open_incident("CINC1", "inc-sev1-checkout")
    flow.advance(timedelta(minutes=1))
    _post_update(flow, next_seconds=300)
    flow.advance(timedelta(minutes=3))  # 10:04, two minutes before the promised 10:06
    [nudge] = _nudges(flow)
    assert "is due in 2m" in nudge
    flow.advance(timedelta(minutes=2))
    [due] = _channel_reminders(flow)
    assert "is due now" in due
