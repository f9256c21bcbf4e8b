"""Logging settings and formats: validated like every setting, JSON one object per line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_LEVEL", "verbose", "LOG_LEVEL: Input should be 'DEBUG', 'INFO'"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("HTTP_BODY_LIMIT", "lots", "HTTP_BODY_LIMIT: Value error, 'lots' is not a size"),
        ("HTTP_BODY_LIMIT", "0", "HTTP_BODY_LIMIT"),
        ("SLACK_STARTUP_TIMEOUT", "a while", "SLACK_STARTUP_TIMEOUT"),
    ],
)
def test_bad_logging_and_http_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="Invalid configuration") as raised:
        load_settings(_env_file=None)
    assert message in str(raised.value)


def test_logging_and_http_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("HTTP_BODY_LIMIT", "512KB")
    settings = load_settings(_env_file=None)
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert settings.http_body_limit == 512 * 1024


def test_json_lines_carry_the_error_id_and_no_secret(restore_logging: None) -> None:
    buffer = io.StringIO()
    configure_logging("INFO", "json", secrets=("s3cret-signing",), stream=buffer)
    logging.getLogger("liaison.edge").warning(
        "refused %s", "s3cret-signing", extra={"error_id": "abc123", "status": 401}
    )
    record = json.loads(buffer.getvalue().strip())
    assert record["level"] == "WARNING"
    assert record["logger"] == "liaison.edge"
    assert record["message"] == "refused [redacted]"
    assert (record["error_id"], record["status"]) == ("abc123", 401)


def test_apscheduler_wake_ups_are_quiet_even_at_debug(restore_logging: None) -> None:
    buffer = io.StringIO()
    configure_logging("DEBUG", "text", stream=buffer)
    logging.getLogger("apscheduler.executors.default").info('Running job "dispatch"')
    logging.getLogger("liaison").debug("our own debug line")
    assert "Running job" not in buffer.getvalue()
    assert "our own debug line" in buffer.getvalue()
