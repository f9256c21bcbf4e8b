"""Business-time arithmetic: working days, opening hours, holidays, time zones.

Deadlines such as "preliminary report within 1 business day" or "first response within
8 business hours" are computed here, in the calendar's own time zone and wall-clock time
(so a deadline stays at 16:00 local across a DST change), never with naive UTC maths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS_SCANNED = 3660  # ten years of closed days means the calendar is misconfigured


def parse_weekdays(names: Iterable[str]) -> frozenset[int]:
    """``["mon", "tue"]`` -> {0, 1}; also accepts ranges like ``mon-fri``."""
    days: set[int] = set()
    for raw in names:
        name = raw.strip().lower()[:7]
        if "-" in name:
            first, last = (part.strip()[:3] for part in name.split("-", 1))
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(f"{raw!r} is not a weekday range like mon-fri")
            start, end = WEEKDAYS.index(first), WEEKDAYS.index(last)
            days.update(WEEKDAYS.index(d) % 7 for d in _cycle(start, end))
            continue
        if name[:3] not in WEEKDAYS:
            raise ValueError(f"{raw!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun")
        days.add(WEEKDAYS.index(name[:3]))
    if not days:
        raise ValueError("at least one working day is needed")
    return frozenset(days)


def _cycle(start: int, end: int) -> list[str]:
    return [WEEKDAYS[(start + offset) % 7] for offset in range((end - start) % 7 + 1)]


def parse_hours(text: str) -> tuple[time, time] | None:
    """``"09:00-17:00"`` -> (09:00, 17:00); ``"24/7"`` or ``"00:00-24:00"`` -> None (always)."""
    value = text.strip().lower()
    if value in ("24/7", "24x7", "always", "00:00-24:00"):
        return None
    try:
        opens_text, closes_text = (part.strip() for part in value.split("-", 1))
        opens = time.fromisoformat(opens_text)
        closes = time.max if closes_text == "24:00" else time.fromisoformat(closes_text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not opening hours like 09:00-17:00 or 24/7") from exc
    if closes <= opens:
        raise ValueError(f"{text!r}: closing time must be after opening time")
    return opens, closes


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone name like Europe/Berlin") from exc


def holiday_checker(
    country: str, subdivision: str = "", extra: Iterable[str] = ()
) -> Callable[[date], bool]:
    """A ``date -> is holiday`` function from the ``holidays`` package plus extra dates."""
    extra_dates = set()
    for item in extra:
        try:
            extra_dates.add(date.fromisoformat(item.strip()))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an ISO date like 2026-12-24") from exc
    calendar = None
    if country.strip():
        try:
            calendar = holidays_lib.country_holidays(
                country.strip().upper(), subdiv=subdivision.strip() or None
            )
        except NotImplementedError as exc:
            raise ValueError(
                f"{country!r} is not a country code known to the holidays package"
            ) from exc

    def is_holiday(day: date) -> bool:
        return day in extra_dates or (calendar is not None and day in calendar)

    return is_holiday


def _never(_day: date) -> bool:
    return False


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours in one time zone. ``hours=None`` means open around the clock."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    workdays: frozenset[int] = frozenset(range(5))
    hours: tuple[time, time] | None = (time(9), time(17))
    is_holiday: Callable[[date], bool] = _never

    @classmethod
    def around_the_clock(cls) -> BusinessCalendar:
        return cls(workdays=frozenset(range(7)), hours=None)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and not self.is_holiday(day)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        if not self.is_business_day(local.date()):
            return False
        if self.hours is None:
            return True
        return self.hours[0] <= local.time() < self.hours[1]

    def add_business_days(self, moment: datetime, days: int) -> datetime:
        """Same local time ``days`` business days later; a start on a closed day counts from
        the next business day's opening (resolved on Saturday -> due Monday + days)."""
        local = moment.astimezone(self.timezone)
        day, at = local.date(), local.time()
        if not self.is_business_day(day):
            day = self._next_business_day(day)
            at = self.hours[0] if self.hours else time(0)
        for _ in range(days):
            day = self._next_business_day(day)
        return self._at(day, at)

    def add_business_time(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of open time has passed after ``moment``."""
        remaining = duration
        local = moment.astimezone(self.timezone).replace(tzinfo=None)
        for _ in range(_MAX_DAYS_SCANNED):
            day = local.date()
            opens, closes = self._window(day)
            if opens is None or local >= closes:
                local = datetime.combine(self._next_business_day(day), self._open_time())
                continue
            local = max(local, opens)
            available = closes - local
            if remaining <= available:
                return self._localize(local + remaining)
            remaining -= available
            local = datetime.combine(self._next_business_day(day), self._open_time())
        raise ValueError("the business calendar has no open time in the next ten years")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time elapsed from ``start`` to ``end`` (negative if end is earlier)."""
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta()
        cursor = start.astimezone(self.timezone).replace(tzinfo=None)
        stop = end.astimezone(self.timezone).replace(tzinfo=None)
        while cursor < stop:
            opens, closes = self._window(cursor.date())
            next_day = datetime.combine(cursor.date() + timedelta(days=1), time(0))
            if opens is not None:
                overlap = min(closes, stop) - max(opens, cursor)
                total += max(overlap, timedelta())
            cursor = next_day
        return total

    def _window(self, day: date) -> tuple[datetime | None, datetime]:
        if not self.is_business_day(day):
            return None, datetime.combine(day, time(0))
        if self.hours is None:
            return datetime.combine(day, time(0)), datetime.combine(
                day + timedelta(days=1), time(0)
            )
        closes = self.hours[1]
        end = (
            datetime.combine(day + timedelta(days=1), time(0))
            if closes == time.max
            else datetime.combine(day, closes)
        )
        return datetime.combine(day, self.hours[0]), end

    def _open_time(self) -> time:
        return self.hours[0] if self.hours else time(0)

    def _next_business_day(self, day: date) -> date:
        for offset in range(1, _MAX_DAYS_SCANNED):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError("the business calendar has no working day in the next ten years")

    def _at(self, day: date, at: time) -> datetime:
        return self._localize(datetime.combine(day, at))

    def _localize(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.timezone).astimezone(UTC)


def calendar_from_parts(
    *,
    timezone: str,
    workdays: Iterable[str],
    hours: str,
    holidays_country: str = "",
    holidays_subdivision: str = "",
    holidays_extra: Iterable[str] = (),
) -> BusinessCalendar:
    """Build and validate a calendar; every error names the part that is wrong."""
    return BusinessCalendar(
        timezone=parse_timezone(timezone),
        workdays=parse_weekdays(workdays),
        hours=parse_hours(hours),
        is_holiday=holiday_checker(holidays_country, holidays_subdivision, holidays_extra),
    )
