from datetime import timedelta

import pytest

from bot.durations import format_duration, format_for_people, parse_duration, words_for_people


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
        (timedelta(seconds=90), "1m 30s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=1, minutes=5), "1h 5m"),
        (timedelta(days=2, hours=3, minutes=4), "2d 3h 4m"),
        (timedelta(minutes=-3), "-3m"),
        (timedelta(), "0s"),
    ],
)
def test_a_setting_is_written_back_exactly(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=59.4), "59s"),
        (timedelta(seconds=59.6), "1m"),
        # The findings: a warning sent 120 s before the deadline said "1m left".
        (timedelta(seconds=120), "2m"),
        (timedelta(seconds=89), "1m"),
        (timedelta(seconds=90), "2m"),
        # The default 30- and 10-minute leads, sent a few seconds late.
        (timedelta(minutes=30) - timedelta(seconds=4), "30m"),
        (timedelta(minutes=10) - timedelta(seconds=9), "10m"),
        (timedelta(minutes=59, seconds=31), "1h"),
        (timedelta(hours=1, minutes=4, seconds=30), "1h 5m"),
        (timedelta(hours=23, minutes=59, seconds=50), "1d"),
        (timedelta(days=2, hours=3, minutes=29), "2d 3h"),
        (timedelta(days=2, hours=3, minutes=30), "2d 4h"),
        (timedelta(minutes=-3, seconds=-40), "-4m"),
    ],
)
def test_time_told_to_people_is_rounded_not_truncated(delta: timedelta, expected: str) -> None:
    assert format_for_people(delta) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=1), "1 second"),
        (timedelta(minutes=29, seconds=50), "30 minutes"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(hours=2), "2 hours"),
        (timedelta(days=1, hours=11, minutes=40), "1 day 12 hours"),
    ],
)
def test_words_for_customers_round_the_same_way(delta: timedelta, expected: str) -> None:
    assert words_for_people(delta) == expected
