"""When the weekly metrics digest goes out (``METRICS_DIGEST_SCHEDULE``: ``mon 09:00``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # Monday is 0
    hour: int
    minute: int

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled moment strictly after ``moment`` (UTC)."""
        start = moment.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        start += timedelta(days=(self.weekday - moment.weekday()) % 7)
        return start if start > moment else start + timedelta(days=7)


def parse_digest_schedule(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    day, _, time = value.strip().lower().partition(" ")
    hour, _, minute = time.strip().partition(":")
    if day[:3] not in WEEKDAYS or not hour.isdigit() or not minute.isdigit():
        raise ValueError(f"{value!r} should look like mon 09:00 (UTC)")
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"{value!r}: the time should be between 00:00 and 23:59")
    return DigestSchedule(WEEKDAYS.index(day[:3]), int(hour), int(minute))
