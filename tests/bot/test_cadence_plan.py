"""Cadence deadlines computed from an incident's state, and the reminders guarding them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.config import ConfigError, Settings, load_settings
from bot.db import make_session_factory
from bot.errors import FieldErrors
from bot.models import Incident, Reminder, StatusUpdate
from bot.services.cadence_plan import (
    CadencePayload,
    Milestone,
    Since,
    Stage,
    parse_kind,
    reminder_kind,
    report_deadline,
    restart_updates,
    schedule_repeat,
    start_assessment,
    still_due,
    update_deadline,
)
from bot.services.status_updates import next_update_choices, parse_update

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


def incident(**fields: Any) -> Incident:
    values: dict[str, Any] = {
        "id": 1, "channel_id": "C1", "title": "Down", "severity": "sev1", "status": "open",
        "opened_at": MONDAY,
    }  # fmt: skip
    values.update(fields)
    return Incident(**values)


def test_kinds_are_dotted_per_milestone_and_stage() -> None:
    assert reminder_kind(Milestone.update, Stage.nudge) == "cadence.update.nudge"
    assert parse_kind("cadence.pir.escalate") == (Milestone.pir, Stage.escalate)
    with pytest.raises(ValueError):
        parse_kind("liaison.accept.timeout")


def test_the_update_deadline_counts_from_the_latest_of_opening_reopening_and_last_update(
    engine: Engine,
) -> None:
    with make_session_factory(engine)() as session:
        fresh = update_deadline(session, settings(), incident())
        assert fresh is not None
        assert (fresh.due_at, fresh.since_what) == (MONDAY + timedelta(minutes=15), Since.opened)
        assert fresh.nudge_at == MONDAY + timedelta(minutes=13)
        assert fresh.escalate_at == MONDAY + timedelta(minutes=30)
        reopened = incident(severity="sev3", reopened_at=MONDAY + timedelta(hours=2))
        deadline = update_deadline(session, settings(), reopened)
        assert deadline is not None
        assert (deadline.due_at, deadline.since_what) == (
            MONDAY + timedelta(hours=3),
            Since.reopened,
        )
        assert update_deadline(session, settings(), incident(status="resolved")) is None


def test_an_update_promising_an_earlier_next_one_brings_the_deadline_forward(
    engine: Engine,
) -> None:
    sessions = make_session_factory(engine)
    posted = MONDAY + timedelta(minutes=10)
    with sessions.begin() as session:
        row = incident(id=None, last_update_at=posted)
        session.add(row)
        session.flush()
        session.add(
            StatusUpdate(
                incident_id=row.id, status="identified", customer_message="x", posted_by="U1",
                posted_at=posted, next_update_at=posted + timedelta(minutes=5),
            )
        )  # fmt: skip
        session.flush()
        deadline = update_deadline(session, settings(), row)
        assert deadline is not None
        assert (deadline.due_at, deadline.since_what) == (
            posted + timedelta(minutes=5),
            Since.last_update,
        )
        assert deadline.escalate_at == posted + timedelta(minutes=20)
        assert still_due(session, settings(), row, Milestone.update, deadline.due_at)
        assert not still_due(
            session, settings(), row, Milestone.update, posted + timedelta(minutes=15)
        )


def test_report_deadlines_skip_weekends_and_holidays_and_stop_once_delivered() -> None:
    config = settings(holidays_extra=["2026-11-30"])
    resolved = incident(status="resolved", resolved_at=datetime(2026, 11, 27, 15, tzinfo=UTC))
    prelim = report_deadline(config, resolved, Milestone.prelim)
    pir = report_deadline(config, resolved, Milestone.pir)
    assert prelim is not None and pir is not None
    assert prelim.due_at == datetime(2026, 12, 1, 15, tzinfo=UTC)  # Fri -> (Mon off) Tue
    assert prelim.nudge_at == datetime(2026, 12, 1, 13, tzinfo=UTC)
    assert prelim.escalate_at == datetime(2026, 12, 2, 15, tzinfo=UTC)
    assert pir.due_at == datetime(2026, 12, 7, 15, tzinfo=UTC)
    delivered = incident(
        status="resolved", resolved_at=resolved.resolved_at, prelim_delivered_at=MONDAY
    )
    assert report_deadline(config, delivered, Milestone.prelim) is None
    assert report_deadline(config, incident(), Milestone.pir) is None


def _reminders(sessions: Any) -> dict[str, tuple[str, datetime]]:
    with sessions() as session:
        return {
            r.dedupe_key.split(":", 3)[-1]: (r.status, r.due_at)
            for r in session.scalars(select(Reminder).order_by(Reminder.id))
        }


def test_a_withdrawn_deadline_that_comes_back_is_guarded_again(engine: Engine) -> None:
    """sev1 -> sev3 -> sev1 within one cycle: the sev1 deadline's reminders return."""
    sessions = make_session_factory(engine)
    config = settings()
    with sessions.begin() as session:
        row = incident(id=None)
        session.add(row)
        session.flush()
        restart_updates(session, config, row, now=MONDAY)
        row.severity = "sev3"
        restart_updates(session, config, row, now=MONDAY + timedelta(minutes=1))
        row.severity = "sev1"
        restart_updates(session, config, row, now=MONDAY + timedelta(minutes=2))
    states = _reminders(sessions)
    due = int((MONDAY + timedelta(minutes=15)).timestamp())
    assert states[f"{due}:due"] == ("pending", MONDAY + timedelta(minutes=15))
    assert states[f"{due}:nudge"][0] == "pending"
    assert {state for key, (state, _) in states.items() if not key.startswith(str(due))} == {
        "cancelled"
    }


def test_the_assessment_clock_starts_once(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        row = incident(id=None, severity="sev3")
        session.add(row)
        session.flush()
        first = start_assessment(session, settings(), row, since=MONDAY, why=Since.first_report)
        later = MONDAY + timedelta(minutes=2)
        again = start_assessment(session, settings(), row, since=later, why=Since.became_major)
    assert first is not None and again is None
    assert first.due_at == MONDAY + timedelta(minutes=5)
    assert first.escalate_at == MONDAY + timedelta(minutes=10)


def test_a_long_outage_yields_one_next_repeat_not_one_per_missed_interval(
    engine: Engine,
) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        row = incident(id=None)
        session.add(row)
        session.flush()
        due = MONDAY + timedelta(minutes=15)
        now = due + timedelta(minutes=52)
        payload = CadencePayload(due=int(due.timestamp()), since=int(MONDAY.timestamp()))
        at = schedule_repeat(session, settings(), row, due_at=due, payload=payload, now=now)
    assert at == due + timedelta(minutes=60)
    assert [state for state, _ in _reminders(sessions).values()] == ["pending"]


def test_next_update_choices_never_exceed_the_interval() -> None:
    choices = next_update_choices(timedelta(hours=1))
    assert [c.label for c in choices] == [
        "In 5m", "In 10m", "In 15m", "In 20m", "In 30m", "In 45m", "In 1h",
    ]  # fmt: skip
    assert [c.seconds for c in next_update_choices(timedelta(minutes=3))] == [180]


def test_an_update_submission_reports_each_problem_by_field() -> None:
    with pytest.raises(FieldErrors) as caught:
        parse_update({"incident_id": 1, "status": "fixed", "customer_message": "x" * 2501})
    assert caught.value.errors == {
        "status": "Pick one of the listed statuses.",
        "customer_message": "Keep the message under 2,500 characters.",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cadence_nudge_lead": "5m"}, "CADENCE_NUDGE_LEAD .* must be shorter"),
        ({"cadence_update_intervals": "sev2=0s"}, "CADENCE_UPDATE_INTERVALS: .*longer than zero"),
        ({"cadence_assessment_due": "0s"}, "CADENCE_ASSESSMENT_DUE: .*longer than zero"),
        ({"reminder_lease": "soon"}, "REMINDER_LEASE"),
    ],
)
def test_cadence_settings_that_cannot_work_stop_the_app(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None, **overrides)


def test_cadence_defaults_follow_the_design() -> None:
    config = settings()
    assert config.cadence_assessment_due == timedelta(minutes=5)
    assert config.cadence_update_intervals["sev1"] == timedelta(minutes=15)
    assert config.cadence_nudge_lead == timedelta(minutes=2)
    assert (config.cadence_prelim_business_days, config.cadence_pir_business_days) == (1, 5)
