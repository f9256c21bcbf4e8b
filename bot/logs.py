"""Logging for the app and its HTTP server: one format, no secrets, no request bodies.

``LOG_FORMAT=text`` writes one readable line per record, ``json`` one JSON object per line
(python-json-logger), so a log shipper can index ``error_id``, ``route`` or ``status``.
Gunicorn's error and access logs propagate to the same handler (see bot/server.py), so
the server's lines have the app's format too.

Two libraries would otherwise put request bodies in the log: Bolt logs an unsigned body
at INFO and, in some warnings, the parsed payload; slack_sdk logs whole Web API bodies at
DEBUG. Their loggers get a floor whatever LOG_LEVEL says, and a filter removes what is
left of a payload in Bolt's warnings. Secrets (the token and signing secret values, and
anything shaped like a Slack token) are masked in every formatted line, tracebacks
included. APScheduler logs each wake-up at INFO: it is held at WARNING.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import IO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}

# Lowest level each noisy or body-logging library may log at, whatever LOG_LEVEL says.
LIBRARY_FLOORS = {
    "slack_bolt": logging.WARNING,
    "slack_sdk": logging.INFO,
    "slack_sdk.web": logging.WARNING,
    "apscheduler": logging.WARNING,
}
SLACK_TOKEN = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"
BODY_NOT_LOGGED = "[request details not logged]"


class _Redacting:
    """Masks secrets in the finished line, so tracebacks and extras are covered too."""

    secrets: tuple[str, ...] = ()

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return SLACK_TOKEN.sub(REDACTED, line)


class TextFormatter(_Redacting, logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.secrets = _usable(secrets)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        error_id = getattr(record, "error_id", None)
        if error_id and error_id not in line:
            line += f" [error {error_id}]"
        return self.redact(line)


class JsonLineFormatter(_Redacting, JsonFormatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(JSON_FIELDS, rename_fields=JSON_RENAMES)
        self.secrets = _usable(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class SlackPayloadFilter(logging.Filter):
    """Cuts the payload out of Bolt's records; they describe it inside parentheses."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("slack_bolt"):
            return True
        message = record.getMessage()
        if "{" in message or "body" in message:
            head = message.split("(", 1)[0].split("{", 1)[0].rstrip(" :")
            record.msg, record.args = f"{head} {BODY_NOT_LOGGED}", None
        return True


def make_formatter(log_format: str, secrets: Iterable[str] = ()) -> logging.Formatter:
    return JsonLineFormatter(secrets) if log_format == "json" else TextFormatter(secrets)


def configure_logging(
    level: str, log_format: str, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> None:
    """Install the one root handler (stderr) every logger of the process writes through."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(log_format, secrets))
    handler.addFilter(SlackPayloadFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))


def _usable(secrets: Iterable[str]) -> tuple[str, ...]:
    # Short values would mask ordinary words; real tokens and secrets are long.
    return tuple(secret for secret in secrets if secret and len(secret) >= 8)
