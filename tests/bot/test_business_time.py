"""Business-time arithmetic with hand-computed cases: nights, weekends, holidays, zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.business_time import (
    BusinessCalendar,
    calendar_from_parts,
    parse_hours,
    parse_weekdays,
)
from bot.config import ConfigError, load_settings

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekday_lists_and_ranges() -> None:
    assert parse_weekdays(["mon", "tue"]) == {0, 1}
    assert parse_weekdays(["mon-fri"]) == {0, 1, 2, 3, 4}
    assert parse_weekdays(["fri-mon"]) == {4, 5, 6, 0}
    with pytest.raises(ValueError, match="not a weekday"):
        parse_weekdays(["funday"])


def test_hours_parsing() -> None:
    assert parse_hours("24/7") is None
    with pytest.raises(ValueError, match="closing time must be after"):
        parse_hours("18:00-09:00")
    with pytest.raises(ValueError, match="opening hours like"):
        parse_hours("nine to five")


def test_one_business_day_after_a_friday_afternoon_is_monday_afternoon() -> None:
    calendar = BusinessCalendar()
    friday = utc(2026, 11, 27, 15, 30)
    assert calendar.add_business_days(friday, 1) == utc(2026, 11, 30, 15, 30)


def test_five_business_days_skip_a_weekend_and_a_holiday() -> None:
    calendar = calendar_from_parts(
        timezone="UTC", workdays=["mon-fri"], hours="09:00-17:00", holidays_extra=["2026-12-01"]
    )
    monday = utc(2026, 11, 23, 10, 0)
    # Tue 24, Wed 25, Thu 26, Fri 27, (weekend), Mon 30 -> fifth business day is Mon 30.
    assert calendar.add_business_days(monday, 5) == utc(2026, 11, 30, 10, 0)
    # From Thursday: Fri 27, Mon 30, (Tue 1 Dec holiday), Wed 2, Thu 3, Fri 4.
    assert calendar.add_business_days(utc(2026, 11, 26, 10), 5) == utc(2026, 12, 4, 10)


def test_country_holidays_come_from_the_holidays_package() -> None:
    calendar = calendar_from_parts(
        timezone="America/New_York",
        workdays=["mon-fri"],
        hours="09:00-17:00",
        holidays_country="US",
    )
    # Wednesday 25 Nov 2026, 10:00 New York; Thursday 26 Nov is Thanksgiving.
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    due = calendar.add_business_days(wednesday, 1)
    assert due == datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def test_a_start_on_a_weekend_counts_from_monday_opening() -> None:
    calendar = BusinessCalendar()
    saturday = utc(2026, 11, 28, 22, 0)
    assert calendar.add_business_days(saturday, 1) == utc(2026, 12, 1, 9, 0)


def test_business_hours_carry_over_the_night() -> None:
    calendar = BusinessCalendar(hours=parse_hours("09:00-17:00"))
    # Monday 16:00 + 8 business hours: 1h on Monday, 7h on Tuesday -> Tuesday 16:00.
    assert calendar.add_business_time(utc(2026, 11, 23, 16), timedelta(hours=8)) == utc(
        2026, 11, 24, 16
    )


def test_business_hours_carry_over_a_weekend() -> None:
    calendar = BusinessCalendar()
    # Friday 15:00 + 3h: 2h on Friday, then Monday 09:00 + 1h.
    assert calendar.add_business_time(utc(2026, 11, 27, 15), timedelta(hours=3)) == utc(
        2026, 11, 30, 10
    )


def test_a_start_before_opening_waits_for_opening() -> None:
    calendar = BusinessCalendar()
    assert calendar.add_business_time(utc(2026, 11, 23, 6), timedelta(hours=2)) == utc(
        2026, 11, 23, 11
    )


def test_business_hours_in_another_time_zone() -> None:
    calendar = BusinessCalendar(timezone=BERLIN)
    # 15:00 UTC is 16:00 in Berlin (CET, UTC+1): 1h left today, 1h on Tuesday from 09:00 CET.
    assert calendar.add_business_time(utc(2026, 11, 23, 15), timedelta(hours=2)) == utc(
        2026, 11, 24, 9
    )


def test_business_time_across_a_dst_change_keeps_local_opening_hours() -> None:
    calendar = BusinessCalendar(timezone=BERLIN)
    # Friday 23 Oct 2026 16:00 CEST (14:00 UTC) + 2h -> Monday 26 Oct 10:00 CET (09:00 UTC).
    assert calendar.add_business_time(utc(2026, 10, 23, 14), timedelta(hours=2)) == utc(
        2026, 10, 26, 9
    )


def test_around_the_clock_is_plain_addition() -> None:
    calendar = BusinessCalendar.around_the_clock()
    start = utc(2026, 11, 28, 23, 30)
    assert calendar.add_business_time(start, timedelta(hours=1)) == utc(2026, 11, 29, 0, 30)


def test_business_time_between_counts_only_open_time() -> None:
    calendar = BusinessCalendar()
    assert calendar.business_time_between(
        utc(2026, 11, 27, 16), utc(2026, 11, 30, 10)
    ) == timedelta(hours=2)
    assert calendar.business_time_between(
        utc(2026, 11, 30, 10), utc(2026, 11, 27, 16)
    ) == -timedelta(hours=2)


def test_a_bad_calendar_setting_stops_startup_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOLIDAYS_COUNTRY", "XX")
    with pytest.raises(ConfigError, match=r"business calendar .*'XX' is not a country code"):
        load_settings(_env_file=None)


def test_partial_update_intervals_keep_the_other_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_UPDATE_INTERVALS", "sev1=10m")
    intervals = load_settings(_env_file=None).cadence_update_intervals
    assert intervals["sev1"] == timedelta(minutes=10)
    assert intervals["sev2"] == timedelta(minutes=15)
