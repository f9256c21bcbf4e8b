"""Durations: read from settings (``90s``, ``15m``, ``2h``, ``1d``) and told to people.

Operators write durations in environment variables; one parser keeps every setting
consistent and gives the same error message wherever a value is malformed. Every duration a
person reads in a message (time left, overdue by, ago) goes through ``format_for_people``
(or ``words_for_people`` for customers), so all of them round the same way.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from bot.text import plural

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


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
    """A setting's duration written back exactly (``1m 30s``, ``1d 2h``), for messages about
    configuration: the operator must recognise the value they wrote, so nothing is rounded.

    Time told to people about deadlines and ages goes through ``format_for_people``."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"))
    parts = [f"{amount}{unit}" for amount, unit in units if amount]
    return sign + (" ".join(parts) or "0s")


def people_parts(delta: timedelta) -> tuple[int, list[tuple[int, str]]]:
    """Sign and ``(amount, unit)`` parts of a duration as people are told it, rounded.

    The rule, the same for every message (halves round up):

    - under a minute: whole seconds (``45s``);
    - under an hour: the nearest minute (89 s is ``1m``, 90 s ``2m``, 29m 50s ``30m``);
    - under a day: hours and minutes, to the nearest minute (``1h 5m``);
    - from a day on: days and hours, to the nearest hour (``2d 3h``).

    Rounding (not truncating) matters because messages go out a few seconds after the
    moment they describe: a warning 30 minutes before a deadline, sent 4 s late, must still
    say "30m left", not "29m left".
    """
    total = delta.total_seconds()
    sign = -1 if total < 0 else 1
    seconds = _half_up(abs(total))
    if seconds < 60:
        return sign, [(seconds, "s")]
    minutes = _half_up(abs(total) / 60)
    if minutes < 60:
        return sign, [(minutes, "m")]
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        return sign, [(hours, "h"), (minutes, "m")]
    days, hours = divmod(_half_up(abs(total) / 3600), 24)
    return sign, [(days, "d"), (hours, "h")]


def format_for_people(delta: timedelta) -> str:
    """``30m``, ``1h 5m``, ``2d 3h``: the short form every message uses (rounded, see
    ``people_parts``); a zero part is left out (``1h``, ``2d``) and a sign kept."""
    sign, parts = people_parts(delta)
    text = " ".join(f"{amount}{unit}" for amount, unit in parts if amount) or "0s"
    return ("-" if sign < 0 and text != "0s" else "") + text


def words_for_people(delta: timedelta) -> str:
    """``1 hour 5 minutes``: the same rounding spelled out, for text customers read."""
    sign, parts = people_parts(delta)
    words = [plural(amount, _WORDS[unit]) for amount, unit in parts if amount]
    return ("minus " if sign < 0 and words else "") + (" ".join(words) or "0 seconds")


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)
