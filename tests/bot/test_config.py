from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite")
    assert settings.major_severities == ["sev1", "sev2"]
    assert settings.default_severity == "sev3"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.socket_mode
    assert (settings.web_concurrency, settings.web_threads) == (2, 8)


def test_lists_and_durations_come_from_plain_environment_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAJOR_SEVERITIES", "sev1, SEV2,sev3")
    monkeypatch.setenv("SCHEDULER_INTERVAL", "90s")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("WEB_THREADS", "4")
    settings = load_settings(_env_file=None)
    assert settings.web_threads == 4
    assert settings.major_severities == ["sev1", "sev2", "sev3"]
    assert settings.scheduler_interval == timedelta(seconds=90)
    assert settings.socket_mode


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCHEDULER_INTERVAL", "soon", "SCHEDULER_INTERVAL"),
        ("DEFAULT_SEVERITY", "sev9", "DEFAULT_SEVERITY: Value error, must be one of"),
        ("MAJOR_SEVERITIES", "sev1,critical", "MAJOR_SEVERITIES"),
        ("INCIDENT_CHANNEL_PATTERN", "(inc", "not a valid regular expression"),
    ],
)
def test_a_bad_setting_is_named_in_one_readable_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None)
