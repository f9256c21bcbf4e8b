"""Settings of the HTTP edge, start-up and logging; bot/config.py's Settings inherits them.

Kept apart so config.py stays readable; load_settings reports their errors like any other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings

from bot.durations import parse_duration
from bot.sizes import ByteSize


def _case_insensitive(convert: str) -> Any:
    def normalise(value: Any) -> Any:
        return getattr(value.strip(), convert)() if isinstance(value, str) else value

    return BeforeValidator(normalise)


LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], _case_insensitive("upper")
]
LogFormat = Annotated[Literal["text", "json"], _case_insensitive("lower")]


class ServingSettings(BaseSettings):
    # Requests with a larger body are refused (413) before it is read.
    http_body_limit: ByteSize = 1024 * 1024
    # How long start-up keeps trying to reach Slack for the token check (auth.test).
    slack_startup_timeout: Annotated[timedelta, BeforeValidator(parse_duration)] = timedelta(
        seconds=60
    )
    log_level: LogLevel = "INFO"
    # text: one readable line per record; json: one JSON object per line (app and server).
    log_format: LogFormat = "text"
