"""Accept timeouts, end to end. Web API failures part way through a liaison's setup are
fast flow tests in tests/bot/test_flows_liaison.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ids import LiaisonIds
from bot.models import Reminder
from tests.handlers.liaison_helpers import (
    ESCALATION,
    announcements,
    assignments,
    buttons,
    click,
    dms,
    invited,
    liaison_app,
    states,
)


def test_nobody_accepting_moves_to_the_next_member_until_the_pool_is_exhausted(
    app_factory,
) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.advance(timedelta(minutes=4, seconds=59))
    assert states(harness) == [("UANA", "pending")]

    harness.advance(timedelta(seconds=1))
    assert states(harness) == [("UANA", "timed_out"), ("UBEN", "pending")]
    assert invited(harness) == [("CINC1", "UANA"), ("CINC1", "UBEN")]
    first, second = announcements(harness, "CINC1")
    assert (
        "<@UANA> did not accept the Customer Liaison role for *incident #1* within 5m"
        in (first["text"])
    )
    assert "<@UBEN> is asked next" in first["text"]
    assert buttons(first) == []  # edited in place: no stale buttons
    assert "<@UANA> did not accept within 5m, so the next member" in second["text"]
    assert len(dms(harness, "UBEN")) == 1
    [moved] = dms(harness, ESCALATION)
    assert "<@UANA> did not accept the Customer Liaison role within 5m" in moved
    assert "so I asked <@UBEN> next" in moved
    assert moved.startswith(":hourglass: *Incident #1* — Payments (*sev1*): ")

    harness.advance(timedelta(minutes=5))
    assert states(harness) == [("UANA", "timed_out"), ("UBEN", "timed_out")]
    exhausted = harness.fake.messages("CINC1")[-1]["text"]
    assert "everyone in the liaison pool was asked and nobody accepted (<@UANA>, <@UBEN>)" in (
        exhausted
    )
    assert "has no Customer Liaison" in dms(harness, ESCALATION)[-1]

    harness.advance(timedelta(minutes=30))
    assert len(assignments(harness)) == 2  # exhausted stays exhausted: no loop


def test_the_accept_timeout_survives_a_restart(app_factory) -> None:
    first = liaison_app(app_factory, "UANA", "UBEN")
    first.channel_created("CINC1", "inc-sev1-payments")
    assert states(first) == [("UANA", "pending")]

    restarted = app_factory(liaison_usergroup="SPOOL", liaison_escalation=ESCALATION)
    restarted.advance(timedelta(minutes=5))
    assert states(restarted) == [("UANA", "timed_out"), ("UBEN", "pending")]
    assert len(dms(restarted, "UBEN")) == 1


def test_a_late_accept_after_the_pool_ran_out_still_counts(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.advance(timedelta(minutes=5))
    assert states(harness) == [("UANA", "timed_out")]
    [assignment] = assignments(harness)
    [dm] = harness.fake.messages("UANA")
    click(harness, LiaisonIds.accept, assignment.id, user="UANA", channel="DUANA", message=dm)
    assert states(harness) == [("UANA", "accepted")]
    [assignment] = assignments(harness)
    assert assignment.ended_at is None
    assert assignment.accepted_at == harness.clock.now()


def test_accepting_cancels_the_timeout(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    harness.clock.advance(timedelta(minutes=2))
    click(
        harness,
        LiaisonIds.accept,
        assignment.id,
        user="UANA",
        channel="CINC1",
        message=announcement,
    )
    harness.advance(timedelta(minutes=10))
    assert states(harness) == [("UANA", "accepted")]
    with harness.session() as session:
        statuses = dict(session.execute(select(Reminder.kind, Reminder.status)).all())
    assert statuses["liaison.accept_timeout"] == "cancelled"


def test_resolving_stops_the_timeout_and_keeps_the_liaison_on_record(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA", "UBEN")
    harness.channel_created("CINC1", "inc-sev1-payments")
    harness.command("resolve done", channel="CINC1", user="UIC")
    harness.advance(timedelta(minutes=10))
    assert states(harness) == [("UANA", "pending")]
