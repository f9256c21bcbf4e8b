"""Impact analysis without a database: trend rule, hint, settings, formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.account_partitions import AccountPartition, parse_partitions, partition_of
from bot.config import ConfigError, Settings, load_settings
from bot.errors import InvalidInput
from bot.services.impact.analysis import hint_target, trend_direction
from bot.services.impact.model import Direction
from bot.slack.impact_blocks import parse_hint_value, percent


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


@pytest.mark.parametrize(
    ("recent", "previous", "total", "expected"),
    [
        (0, 0, 0, None),  # nothing reported at all
        (0, 0, 5, Direction.quiet),
        (5, 2, 7, Direction.steady),  # 2 -> 5: P(>= 5 of 7 | even) = 23%, chance
        (3, 0, 3, Direction.steady),  # P(3 of 3) = 12.5%
        (5, 0, 5, Direction.rising),  # P(5 of 5) = 3.1%
        (15, 3, 18, Direction.rising),  # P(>= 15 of 18) = 0.4%
        (30, 20, 50, Direction.steady),  # +50% but P(>= 30 of 50) = 10%
        (60, 40, 100, Direction.rising),  # the same +50% on more reports: P = 2.8%
        (2, 9, 11, Direction.falling),  # P(<= 2 of 11) = 3.3%
        (4, 6, 10, Direction.steady),
    ],
)
def test_trend_direction_is_beyond_chance_or_steady(
    recent: int, previous: int, total: int, expected: Direction | None
) -> None:
    assert trend_direction(recent=recent, previous=previous, total=total, alpha=0.05) is expected


def test_the_hint_targets_the_least_severe_major_severity() -> None:
    settings = _settings()
    assert [hint_target(settings, s) for s in ("sev1", "sev2", "sev3", "sev4")] == [
        None,
        None,
        "sev2",
        "sev2",
    ]
    no_majors = _settings(major_severities="")
    assert [hint_target(no_majors, s) for s in ("sev1", "sev3")] == [None, "sev2"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0%"), (0.0004, "<0.1%"), (0.004, "0.4%"), (0.05, "5%"), (0.1826, "18%"),
     (0.996, "99%"), (1.0, "100%")],
)  # fmt: skip
def test_percentages_stay_honest_at_both_ends(value: float, text: str) -> None:
    assert percent(value) == text


def test_account_partitions_parse_labels_and_open_ranges() -> None:
    partitions = parse_partitions(["legacy=0-1999", "2000-3999", "new=4000-"])
    assert partitions == [
        AccountPartition("legacy", 0, 1999),
        AccountPartition("2000–3999", 2000, 3999),
        AccountPartition("new", 4000, None),
    ]
    assert [partition_of(i, partitions) for i in ("0042", "3999", "123456", "AC-1")] == [
        "legacy",
        "2000–3999",
        "new",
        "other",
    ]
    assert partition_of("7301", []) == "7"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("100-50", "starts after it ends"),
        ("0-999,500-1500", "overlaps"),
        ("a=0-9,a=10-19", "used twice"),
        ("abc", "should look like"),
        ("other=0-9", "reserved"),
    ],
)
def test_bad_account_partitions_stop_the_app_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("IMPACT_ACCOUNT_PARTITIONS", value)
    with pytest.raises(ConfigError, match=f"IMPACT_ACCOUNT_PARTITIONS.*{message}"):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMPACT_REFRESH", "0s"),
        ("IMPACT_TREND_INTERVAL", "soon"),
        ("IMPACT_DOMINANT_SHARE", "150"),
        ("IMPACT_TREND_BARS", "2"),
        ("IMPACT_HINT_CUSTOMERS", "-1"),
    ],
)
def test_bad_impact_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None)


def test_impact_settings_defaults() -> None:
    settings = _settings()
    assert settings.impact_refresh == timedelta(seconds=60)
    assert (settings.impact_hint_customers, settings.impact_hint_vips) == (25, 3)
    assert settings.account_partitions() == []


def test_hint_values_from_old_or_forged_buttons_are_refused() -> None:
    assert parse_hint_value('{"incident_id": 7, "severity": "sev2"}').incident_id == 7
    for value in ("", "nonsense", '{"incident_id": 7, "severity": "sev9"}'):
        with pytest.raises(InvalidInput):
            parse_hint_value(value)


def test_sparkline_scales_to_the_busiest_bar() -> None:
    from bot.services.impact.model import Trend

    trend = Trend(
        start=datetime(2026, 1, 1, tzinfo=UTC),
        interval=timedelta(minutes=5),
        counts=(0, 1, 3, 6, 5, 2),
        window=timedelta(minutes=15),
        recent=0,
        previous=0,
        direction=None,
        since_last=None,
    )
    # heights: round(c / 6 x 7) -> 0, 1, 4 (3.5 rounds to even), 7, 6, 2
    assert trend.sparkline == "▁▂▅█▇▃"
