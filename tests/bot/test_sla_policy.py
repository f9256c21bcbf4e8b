"""SLA policies: parsing, and first-response deadlines with hand-computed cases across
nights, weekends, public holidays, time zones and a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

import app
from bot.business_time import BusinessCalendar, calendar_from_parts
from bot.config import ConfigError, load_settings
from bot.services.sla.clock import clock_start, policy_for
from bot.sla_policy import SlaPolicy, parse_escalation, parse_policies

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
TIERS = ["standard", "enterprise", "premium"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def business() -> BusinessCalendar:
    return calendar_from_parts(timezone="Europe/London", workdays=["mon-fri"], hours="09:00-17:00")


def policies(text: str) -> dict[str, SlaPolicy]:
    return parse_policies(text, business=business, tiers=TIERS)


def due(text: str, tier: str, start: datetime) -> datetime:
    return policies(text)[tier].first_response_due(start)


def test_around_the_clock_runs_through_the_night_and_the_weekend() -> None:
    # Saturday 28 Nov 2026 23:30 UTC + 1h -> Sunday 00:30 UTC.
    assert due("premium=1h@24/7", "premium", utc(2026, 11, 28, 23, 30)) == utc(2026, 11, 29, 0, 30)
    # No calendar at all means around the clock too.
    assert due("premium=90m", "premium", utc(2026, 11, 28, 23, 30)) == utc(2026, 11, 29, 1, 0)


STANDARD_NY = "standard=8h@mon-fri 09:00-17:00 America/New_York holidays=US"


def test_business_hours_wait_for_opening_in_the_policy_time_zone() -> None:
    # Monday 23 Nov 10:00 UTC is 05:00 in New York (EST, UTC-5): the clock starts at
    # 09:00 EST and 8 hours end at 17:00 EST, which is 22:00 UTC the same day.
    assert due(STANDARD_NY, "standard", utc(2026, 11, 23, 10)) == utc(2026, 11, 23, 22)


def test_business_hours_carry_over_the_night() -> None:
    # Tuesday 1 Dec 20:00 EST (Wed 01:00 UTC) is after closing: Wednesday 09:00-17:00 EST.
    assert due(STANDARD_NY, "standard", utc(2026, 12, 2, 1)) == utc(2026, 12, 2, 22)
    # Tuesday 1 Dec 13:00 EST (18:00 UTC): 4h on Tuesday, 4h on Wednesday -> 13:00 EST.
    assert due(STANDARD_NY, "standard", utc(2026, 12, 1, 18)) == utc(2026, 12, 2, 18)


def test_business_hours_skip_the_weekend() -> None:
    # Friday 4 Dec 16:00 EST (21:00 UTC): 1h on Friday, 7h on Monday -> Mon 7 Dec 16:00 EST.
    assert due(STANDARD_NY, "standard", utc(2026, 12, 4, 21)) == utc(2026, 12, 7, 21)


def test_business_hours_skip_a_public_holiday() -> None:
    # Wednesday 25 Nov 15:00 EST (20:00 UTC): 2h on Wednesday, Thursday 26 is Thanksgiving,
    # 6h on Friday 27 -> 15:00 EST = 20:00 UTC.
    assert due(STANDARD_NY, "standard", utc(2026, 11, 25, 20)) == utc(2026, 11, 27, 20)
    # Without the holidays the same start is due on Thursday 15:00 EST.
    plain = STANDARD_NY.replace(" holidays=US", "")
    assert due(plain, "standard", utc(2026, 11, 25, 20)) == utc(2026, 11, 26, 20)


def test_regional_holidays_and_a_daylight_saving_change_in_berlin() -> None:
    text = "enterprise=2h@mon-fri 08:00-18:00 Europe/Berlin holidays=DE-BY"
    # Thu 24 Dec 17:00 CET (16:00 UTC): 1h on Thursday; Fri 25 and Sat 26 are holidays,
    # Sunday closed; Monday 28 08:00 CET + 1h = 09:00 CET = 08:00 UTC.
    assert due(text, "enterprise", utc(2026, 12, 24, 16)) == utc(2026, 12, 28, 8)
    # Fri 23 Oct 17:00 CEST (15:00 UTC): 1h on Friday; clocks go back on Sunday 25 Oct;
    # Monday 26 Oct 08:00 CET + 1h = 09:00 CET = 08:00 UTC (not 07:00).
    assert due(text, "enterprise", utc(2026, 10, 23, 15)) == utc(2026, 10, 26, 8)


def test_a_six_day_week_east_of_utc() -> None:
    text = "standard=4h@mon-sat 10:00-19:00 Asia/Tokyo"
    # Saturday 28 Nov 18:00 JST (09:00 UTC): 1h on Saturday, Sunday closed, Monday
    # 10:00 JST + 3h = 13:00 JST = 04:00 UTC.
    start = datetime(2026, 11, 28, 18, tzinfo=TOKYO)
    assert due(text, "standard", start) == utc(2026, 11, 30, 4)


def test_business_uses_the_shared_calendar() -> None:
    # Europe/London in winter is UTC: Friday 27 Nov 16:00 + 8h -> 1h Friday, 7h Monday.
    assert due("standard=8h@business", "standard", utc(2026, 11, 27, 16)) == utc(2026, 11, 30, 16)
    assert policies("standard=8h@business")["standard"].description == (
        "8h first response, business hours"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("premium=soon", "premium: 'soon' is not a duration"),
        ("premium=0m@24/7", "premium: '0m' must be longer than zero"),
        ("premium", "should look like tier=duration@calendar"),
        ("premium=1h;premium=2h", "tier 'premium' has two policies"),
        ("gold=1h", "tier 'gold' is not one of CUSTOMER_TIERS"),
        ("standard=8h@09:00-17:00 UTC", "names no working days"),
        ("standard=8h@mon-fry 09:00-17:00", "'mon-fry' is not a weekday range"),
        ("standard=8h@mon-fri 17:00-09:00", "closing time must be after opening time"),
        ("standard=8h@mon-fri 09:00-17:00 Mars/Olympus", "'Mars/Olympus' is not a time zone"),
        ("standard=8h@mon-fri 09:00-17:00 holidays=XX", "'XX' is not a country code"),
    ],
)
def test_a_policy_that_cannot_work_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policies(text)


def test_policies_are_separated_by_semicolons_or_lines_and_ignore_case() -> None:
    parsed = policies("Premium=1h@24/7;\n enterprise=2h@24x7 ;standard=8h@MON-FRI 09:00-17:00 UTC")
    assert list(parsed) == ["premium", "enterprise", "standard"]
    assert parsed["enterprise"].calendar_label == "24/7"
    assert parsed["standard"].calendar.workdays == frozenset(range(5))


def test_escalation_contacts_per_tier_with_a_default() -> None:
    assert parse_escalation("S0MGRS", tiers=TIERS) == {None: "S0MGRS"}
    assert parse_escalation("premium=U0ALEX, S0MGRS", tiers=TIERS) == {
        "premium": "U0ALEX",
        None: "S0MGRS",
    }
    assert parse_escalation("", tiers=TIERS) == {}
    with pytest.raises(ValueError, match="'bob' is not a user id"):
        parse_escalation("bob", tiers=TIERS)
    with pytest.raises(ValueError, match="tier 'gold' is not one of"):
        parse_escalation("gold=U0ALEX", tiers=TIERS)
    with pytest.raises(ValueError, match="the default is given twice"):
        parse_escalation("U0A,U0B", tiers=TIERS)


def test_the_tier_s_policy_else_the_default_else_none() -> None:
    parsed = policies("premium=1h;standard=8h@business")
    assert policy_for(parsed, "Premium", "standard").tier == "premium"
    assert policy_for(parsed, "enterprise", "standard").tier == "standard"
    assert policy_for(parsed, None, "standard").tier == "standard"
    assert policy_for(parsed, None, "") is None


def test_the_clock_starts_at_first_contact_but_never_after_attaching() -> None:
    attached = utc(2026, 11, 23, 10)
    report = SimpleNamespace(created_at=attached, first_contact_at=None)
    assert clock_start(report) == attached  # type: ignore[arg-type]
    report.first_contact_at = attached - timedelta(minutes=20)
    assert clock_start(report) == attached - timedelta(minutes=20)  # type: ignore[arg-type]
    report.first_contact_at = attached + timedelta(days=1)  # a typo in the future
    assert clock_start(report) == attached  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLA_POLICIES", "premium=1x", "SLA_POLICIES: Value error, premium: '1x'"),
        ("SLA_POLICIES", "standard=8h@mon-fri 9-5", "SLA_POLICIES: .*'9-5' is not a weekday"),
        ("SLA_REMINDER_LEADS", "30m,soon", "SLA_REMINDER_LEADS"),
        ("SLA_REMINDER_LEADS", "30m,0s", "SLA_REMINDER_LEADS: .*longer than zero"),
        ("SLA_ESCALATION", "managers", "SLA_ESCALATION: .*not a user id"),
        ("SLA_DEFAULT_TIER", "gold", "SLA_DEFAULT_TIER: .*'gold' has no policy"),
    ],
)
def test_bad_sla_settings_stop_startup_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None)


def test_the_app_refuses_to_start_on_a_bad_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("SLA_POLICIES", "standard=8h@mon-fri 09:00-17:00 Mars/Olympus")
    assert app.main(["migrate"]) == 2
    assert "SLA_POLICIES: Value error, standard: 'Mars/Olympus'" in capsys.readouterr().err


def test_lead_times_are_sorted_longest_first_without_duplicates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLA_REMINDER_LEADS", "10m, 1h, 10m")
    leads = load_settings(_env_file=None).sla_reminder_leads
    assert leads == [timedelta(hours=1), timedelta(minutes=10)]


def test_the_default_policies_follow_the_issue() -> None:
    settings = load_settings(_env_file=None)
    parsed = settings.sla_policy_map()
    start = utc(2026, 11, 27, 16)  # Friday 16:00 UTC
    assert parsed["premium"].first_response_due(start) == utc(2026, 11, 27, 17)
    assert parsed["enterprise"].first_response_due(start) == utc(2026, 11, 27, 18)
    assert parsed["standard"].first_response_due(start) == utc(2026, 11, 30, 16)
    assert settings.sla_reminder_leads == [timedelta(minutes=30), timedelta(minutes=10)]
    assert settings.sla_default_tier == "standard"
