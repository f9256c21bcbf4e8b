"""``SMTP_URL`` and its companions: read as operators write them, refused when incomplete."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.services.statuspage.mail import SmtpConfig, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://ann:p%40ss@mail.example.com:587?starttls=true",
            SmtpConfig("mail.example.com", 587, "ann", "p@ss", "starttls"),
        ),
        (
            "smtps://ann:pw@mail.example.com",
            SmtpConfig("mail.example.com", 465, "ann", "pw", "ssl"),
        ),
        ("smtp://relay.internal", SmtpConfig("relay.internal", 25, "", "", "none")),
        (
            "smtp://relay.internal:2525?starttls=no",
            SmtpConfig("relay.internal", 2525, "", "", "none"),
        ),
    ],
)
def test_smtp_urls_are_read_as_written(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_URL": "http://mail.example.com"}, "SMTP_URL"),
        ({"SMTP_URL": "smtp://mail.example.com:port"}, "SMTP_URL"),
        (
            {"SMTP_URL": "smtp://mail.example.com", "STATUS_PAGE_URL": "https://s.example.com"},
            "SMTP_FROM is needed",
        ),
        ({"SMTP_URL": "smtp://mail.example.com", "SMTP_FROM": "s@example.com"}, "STATUS_PAGE_URL"),
        ({"PAGERDUTY_STATUS_PAGE_SERVICES": "api"}, "PAGERDUTY_STATUS_PAGE_SERVICES"),
    ],
)
def test_incomplete_email_and_pagerduty_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None)


def test_email_and_pagerduty_status_pages_are_off_until_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATUS_COMPONENTS", "api=API")
    settings = load_settings(_env_file=None)
    assert not settings.status_email_enabled
    assert not settings.pagerduty_status_page_configured
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.com")
    monkeypatch.setenv("SMTP_FROM", "Acme status <status@example.com>")
    monkeypatch.setenv("STATUS_PAGE_URL", "https://status.example.com/status")
    monkeypatch.setenv("PAGERDUTY_STATUS_PAGE_ID", "PSTATUS")
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "token")
    settings = load_settings(_env_file=None)
    assert settings.status_email_enabled
    assert settings.pagerduty_status_page_configured
