"""Posting a status update resets the update cadence: the flow without HTTP.

The update modal (draft, inline errors, the HTTP round trip) stays end to end in
tests/handlers/test_cadence.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.dispatcher import Outcome
from bot.jobs import store
from bot.models import Incident, LiaisonAssignment
from bot.services import incidents, status_updates
from bot.services.cadence_nudges import handle_reminder
from bot.services.cadence_plan import KINDS, Milestone, Stage
from tests.bot.flows import Flow


def _nudges(flow: Flow, user: str = "UIC") -> list[str]:
    return [m.text for m in flow.slack.dms(user) if "status update" in m.text]


def _channel_reminders(
    flow: Flow, about: str = "status update", channel: str = "CINC1"
) -> list[str]:
    """Cadence reminders in the incident channel about one milestone, oldest first."""
    return [
        m.text
        for m in flow.slack.channel_messages(channel)
        if m.text.startswith(":alarm_clock:") and about in m.text
    ]


def _escalations(flow: Flow, user: str) -> list[str]:
    return [m.text for m in flow.slack.dms(user) if "*Escalation" in m.text]


def _declare(flow: Flow, severity: str = "sev1") -> int:
    """``/liaison declare <severity> Checkout down`` in #inc-checkout, answered at once."""
    flow.slack.add_channel("CINC1", "inc-checkout")
    flow.dispatch_on_wake()
    declared = incidents.declare(
        flow.rt,
        channel_id="CINC1",
        channel_name="inc-checkout",
        user_id="UIC",
        severity=severity,
        title="Checkout down",
    )
    return declared.incident.id


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


def test_resolving_stops_the_cadence_and_reopening_restarts_it(flow: Flow) -> None:
    incident_id = _declare(flow)
    flow.advance(timedelta(minutes=5))
    incidents.resolve(flow.rt, incident_id=incident_id, actor="UIC", note=None)
    flow.advance(timedelta(minutes=30))
    assert _channel_reminders(flow) == []
    incidents.reopen(flow.rt, incident_id=incident_id, actor="UIC")  # 10:35
    assert {r.status for r in flow.reminders() if r.kind.startswith("cadence.p")} == {"cancelled"}
    flow.advance(timedelta(minutes=15))
    [due] = _channel_reminders(flow)
    assert "Nothing was posted since it was reopened" in due


def test_raising_the_severity_tightens_the_deadline(flow: Flow) -> None:
    incident_id = _declare(flow, severity="sev3")
    flow.advance(timedelta(minutes=20))
    assert _channel_reminders(flow) == []  # sev3: due at 11:00
    incidents.change_severity(flow.rt, incident_id=incident_id, severity="sev1", actor="UIC")
    [due] = _channel_reminders(flow)
    assert "is overdue by 5m" in due
    flow.advance(timedelta(minutes=3))  # an assessment is now due from becoming major
    [nudge] = [m.text for m in flow.slack.dms("UIC") if "impact assessment" in m.text]
    assert "the clock started when it became a major incident" in nudge


def test_a_transient_slack_error_is_retried_with_backoff(flow: Flow) -> None:
    _declare(flow)
    flow.advance(timedelta(minutes=14))
    flow.slack.fail("post", "ratelimited")  # still limited after the client's own retries
    stats = flow.advance(timedelta(minutes=1))
    assert (stats.retried, _channel_reminders(flow)) == (1, [])
    flow.advance(timedelta(seconds=30))
    assert len(_channel_reminders(flow)) == 1


def test_a_permanent_slack_error_is_recorded_and_not_retried(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = flow_factory(liaison_escalation="UESC")
    flow.slack.add_user("UESC", "oncall-lead")
    _declare(flow)
    flow.slack.add_channel("CINC1", "inc-checkout", archived=True)
    flow.advance(timedelta(minutes=15))
    failed = {r.kind: r.last_error for r in flow.reminders() if r.status == "failed"}
    assert failed == {
        "cadence.assessment.due": "ChannelArchived: chat.postMessage failed: is_archived",
        "cadence.update.due": "ChannelArchived: chat.postMessage failed: is_archived",
    }
    posts = len(flow.slack.calls_to("post"))
    flow.advance(timedelta(minutes=14))
    assert len(flow.slack.calls_to("post")) == posts
    flow.advance(timedelta(minutes=1))
    assert len(_escalations(flow, "UESC")) == 2  # the escalations still go out


def test_a_claimed_nudge_whose_update_was_posted_meanwhile_is_not_sent(flow: Flow) -> None:
    _declare(flow)
    flow.clock.advance(timedelta(minutes=13))
    due = store.claim_due(
        flow.rt.sessions,
        now=flow.clock.now(),
        worker="other",
        limit=10,
        lease=timedelta(minutes=2),
    )
    [row] = [r for r in due if r.kind == "cadence.update.nudge"]
    claimed = row.as_job(KINDS[Milestone.update, Stage.nudge])
    _post_update(flow)
    sent_before = len(flow.slack.calls_to("dm")) + len(flow.slack.calls_to("post"))
    assert handle_reminder(flow.rt, claimed) is Outcome.obsolete
    assert len(flow.slack.calls_to("dm")) + len(flow.slack.calls_to("post")) == sent_before


def test_an_incident_opened_as_major_is_assessed_from_its_opening(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = flow_factory(liaison_escalation="UESC")
    flow.slack.add_user("UESC", "oncall-lead")
    _declare(flow, severity="sev2")
    flow.advance(timedelta(minutes=5))
    [due] = _channel_reminders(flow, "impact assessment")
    assert "The impact assessment for *incident #1* is due now" in due
    assert "the clock started when it opened" in due
    flow.advance(timedelta(minutes=5))
    [escalation] = _escalations(flow, "UESC")
    assert "The impact assessment is overdue by 5m" in escalation


def test_nudges_go_to_the_current_liaison(flow: Flow) -> None:
    flow.slack.add_user("ULIA", "liaison")
    incident_id = _declare(flow)
    with flow.rt.sessions.begin() as session:
        session.add(
            LiaisonAssignment(
                incident_id=incident_id,
                user_id="ULIA",
                status="accepted",
                assigned_by="auto",
                assigned_at=flow.clock.now(),
                attempt=1,
            )
        )
    flow.advance(timedelta(minutes=13))
    assert _nudges(flow, "ULIA")
    flow.advance(timedelta(minutes=2))
    assert _nudges(flow, "UIC") == []
    assert _channel_reminders(flow)[-1].startswith(":alarm_clock: <@ULIA> A status update")


def test_escalation_to_a_user_group_tells_each_member_once(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = flow_factory(liaison_escalation="SONCALL")
    flow.slack.add_user("UON1", "first")
    flow.slack.add_user("UON2", "second")
    flow.slack.add_usergroup("SONCALL", ["UON1", "UON2"])
    _declare(flow)
    flow.advance(timedelta(minutes=15))
    flow.slack.fail("dm", "internal_error")
    stats = flow.advance(timedelta(minutes=15))  # 10:30: one escalation DM fails
    assert stats.retried == 1
    flow.advance(timedelta(seconds=30))  # the backoff
    for member in ("UON1", "UON2"):
        texts = [m.text for m in flow.slack.dms(member)]
        assert len([t for t in texts if "A status update is overdue by" in t]) == 1
        assert len([t for t in texts if "The impact assessment is overdue" in t]) == 1
    assert len(_channel_reminders(flow)) == 2
