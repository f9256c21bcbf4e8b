"""Durable jobs seen through the real app: deadlines that are domain facts live in domain
rows, and an escalation to a user group becomes one job per member."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import jobs
from bot.models import Incident, Reminder
from bot.services.cadence_plan import Milestone, kinds_for
from tests.handlers.cadence_support import CHANNEL, channel_texts, declare
from tests.handlers.liaison_helpers import ESCALATION, liaison_app
from tests.harness import Harness


def test_the_assessment_deadline_lives_on_the_incident_not_in_a_reminder(
    harness: Harness,
) -> None:
    declare(harness, "sev1")  # opened as major: the assessment clock starts now
    opened = harness.clock.now()
    with harness.session() as session:
        incident = session.get_one(Incident, 1)
        assert incident.assessment_due_at == opened + harness.rt.settings.cadence_assessment_due
    with harness.rt.sessions.begin() as session:  # the reminders are gone, the promise is not
        assert jobs.cancel(session, kinds_for(Milestone.assessment), now=opened, incident_id=1)
    harness.clock.advance(timedelta(minutes=1))
    harness.command("assessed", channel=CHANNEL, user="UIC")
    assert (
        "recorded the impact assessment for *incident #1*, on time." in channel_texts(harness)[-1]
    )


def test_an_escalation_to_a_user_group_is_one_job_per_member(app_factory) -> None:
    harness = liaison_app(app_factory, liaison_escalation="SESC")
    harness.fake.add_usergroup("SESC", "incident-managers", [ESCALATION, "UIC"])
    harness.channel_created("CINC1", "inc-sev1-db")
    with harness.session() as session:
        rows = session.execute(
            select(Reminder.target, Reminder.status)
            .where(Reminder.kind == "liaison.escalate")
            .order_by(Reminder.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("SESC", "sent"),  # the group's job fanned out...
        (ESCALATION, "sent"),  # ...to one job per member, each retried on its own
        ("UIC", "sent"),
    ]
    assert len(harness.fake.messages(ESCALATION)) == 1
