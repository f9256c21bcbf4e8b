"""The follow-up and metrics settings as operators write them in the environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.services.metrics.digest_schedule import DigestSchedule


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLA_CREDITS", "premium=10%>1h,25%>4h;enterprise=5%>2h")
    monkeypatch.setenv("FOLLOWUP_REMINDER_AFTER", "1d")
    monkeypatch.setenv("METRICS_DIGEST_SCHEDULE", "Fri 16:30")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [step.percent for step in settings.sla_credits["premium"]] == [10, 25]
    assert settings.followup_reminder_after == timedelta(days=1)
    assert settings.metrics_digest_schedule == DigestSchedule(weekday=4, hour=16, minute=30)
    assert settings.metrics_digest_channel == ""


@pytest.mark.parametrize(
    ("name", "value"),
    [("SLA_CREDITS", "premium=ten percent"), ("METRICS_DIGEST_SCHEDULE", "someday 25:00")],
)
def test_a_bad_value_stops_the_app_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None)


def test_the_digest_is_due_at_the_next_scheduled_moment() -> None:
    monday_nine = DigestSchedule(weekday=0, hour=9, minute=0)
    monday_ten = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert monday_nine.next_after(monday_ten) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert monday_nine.next_after(monday_ten - timedelta(hours=2)) == datetime(
        2026, 11, 23, 9, 0, tzinfo=UTC
    )
