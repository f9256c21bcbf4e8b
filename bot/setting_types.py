"""Value types shared by every settings module: durations and comma-separated lists.

Settings are split by area (config.py, serving_config.py, impact_config.py, ...), and each
must read ``15m`` or ``a, b, c`` the same way, so the parsing lives here once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

from bot.durations import parse_duration


def split_csv(value: Any) -> Any:
    """Split ``"a, b,c"`` into ``["a", "b", "c"]``; lists pass through untouched."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def positive(value: timedelta) -> timedelta:
    """A duration that must be longer than zero (an interval, a lease, a window)."""
    if value <= timedelta():
        raise ValueError("must be longer than zero, e.g. 60s or 5m")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(positive)]
CsvList = Annotated[list[str], NoDecode, BeforeValidator(split_csv)]
DurationList = Annotated[list[Duration], NoDecode, BeforeValidator(split_csv)]
