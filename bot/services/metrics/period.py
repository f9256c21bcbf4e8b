"""Which incidents a metrics question is about: ``[7d|30d|90d|quarter] [sev1..sev4]``.

Every period is compared with the one of the same length just before it. ``quarter`` is
the calendar quarter so far (UTC), compared with as long a stretch before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import SEVERITIES
from bot.errors import InvalidInput

PERIODS = ("7d", "30d", "90d", "quarter")
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class MetricsQuery:
    period: str
    severity: str | None
    current: Window
    previous: Window


def parse_query(args: str, now: datetime) -> MetricsQuery:
    period, severity = DEFAULT_PERIOD, None
    for word in args.lower().split():
        if word in PERIODS:
            period = word
        elif word in SEVERITIES:
            severity = word
        else:
            raise InvalidInput(
                f"`{word}` is neither a period ({', '.join(PERIODS)}) nor a severity "
                f"({', '.join(SEVERITIES)})."
            )
    return query_for(period, severity, now)


def query_for(period: str, severity: str | None, now: datetime) -> MetricsQuery:
    now = now.astimezone(UTC)
    if period == "quarter":
        month = (now.month - 1) // 3 * 3 + 1
        start = now.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        start = now - timedelta(days=int(period.removesuffix("d")))
    current = Window(start, now)
    previous = Window(start - current.length, start)
    return MetricsQuery(period, severity, current, previous)
