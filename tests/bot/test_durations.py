from datetime import timedelta

import pytest

from bot.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45", timedelta(seconds=45)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_parse_duration_accepts_the_documented_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "m15", "1.5h", "-5m"])
def test_parse_duration_names_the_accepted_forms_on_error(text: str) -> None:
    with pytest.raises(ValueError, match="write it like 90s, 15m, 2h, 1d"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=1, minutes=5), "1h 5m"),
        (timedelta(days=2, hours=3, minutes=4), "2d 3h"),
        (timedelta(minutes=-3), "-3m"),
    ],
)
def test_format_duration_is_short_and_human(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected
