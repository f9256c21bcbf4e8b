"""Human-written durations (``90s``, ``15m``, ``2h``, ``1d``) used across all settings.

Operators write durations in environment variables; one parser keeps every setting
consistent and gives the same error message wherever a value is malformed.
"""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """Parse ``90s``, ``15m``, ``2h``, ``1d``, ``1h30m`` (or a number of seconds).

    Raises ValueError with the accepted forms, so a bad setting names its fix.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    text = value.strip().replace(" ", "")
    if text.isdigit():
        return timedelta(seconds=int(text))
    if not text or _PART.sub("", text) != "":
        raise ValueError(f"{value!r} is not a duration; write it like 90s, 15m, 2h, 1d or 1h30m")
    total = timedelta()
    for amount, unit in _PART.findall(text):
        total += timedelta(**{_UNITS[unit.lower()]: int(amount)})
    return total


def format_duration(delta: timedelta) -> str:
    """Short human form (``1h 5m``, ``45s``) for messages; negative values keep their sign."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes and not days:
        parts.append(f"{minutes}m")
    if not parts:
        parts.append(f"{secs}s")
    return sign + " ".join(parts)
