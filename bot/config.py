"""Settings, read once from the environment (and .env) by the composition root.

Every option is documented in .env.example. Durations accept ``90s``/``15m``/``2h``/``1d``;
lists are comma-separated. A bad value stops the app at startup with the setting's name,
rather than failing during an incident.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


def split_csv(value: Any) -> Any:
    """Split ``"a, b,c"`` into ``["a", "b", "c"]``; lists pass through untouched."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
CsvList = Annotated[list[str], NoDecode, BeforeValidator(split_csv)]


class ConfigError(RuntimeError):
    """Configuration that cannot work; the message names the setting and the fix."""


class Settings(BaseSettings):
    """All of Liaison's configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # --- Slack connection -------------------------------------------------------------
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"

    # --- Runtime ----------------------------------------------------------------------
    database_url: str = "sqlite:///liaison.db"
    auto_migrate: bool = True
    port: int = 3000
    web_concurrency: int = Field(default=2, ge=1)
    listener_threads: int = Field(default=64, ge=1)
    scheduler_interval: Duration = timedelta(seconds=10)
    log_level: str = "INFO"
    templates_dir: str = ""

    # --- Incidents --------------------------------------------------------------------
    incident_channel_pattern: str = r"^(inc|incident)-"
    default_severity: str = "sev3"
    major_severities: CsvList = ["sev1", "sev2"]

    # --- Customer reports ---------------------------------------------------------------
    report_regions: CsvList = [
        "us-east", "us-west", "ca-central", "sa-east", "eu-west", "eu-central",
        "eu-north", "eu-south", "ap-south", "ap-southeast", "ap-northeast", "other",
    ]  # fmt: skip
    report_features: CsvList = [
        "login", "checkout", "payments", "search", "notifications", "api", "reporting",
        "integrations", "other",
    ]  # fmt: skip
    customer_tiers: CsvList = ["standard", "enterprise", "premium"]

    # --- Customer Liaison ---------------------------------------------------------------

    # --- Update cadence -----------------------------------------------------------------

    # --- Impact summary -----------------------------------------------------------------

    # --- Ticket SLAs --------------------------------------------------------------------

    @field_validator("default_severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SEVERITIES:
            raise ValueError(f"must be one of {', '.join(SEVERITIES)}")
        return value

    @field_validator("major_severities")
    @classmethod
    def _known_severities(cls, value: list[str]) -> list[str]:
        value = [item.lower() for item in value]
        unknown = [item for item in value if item not in SEVERITIES]
        if unknown:
            raise ValueError(f"unknown severities {unknown}; use {', '.join(SEVERITIES)}")
        return value

    @field_validator("incident_channel_pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's report into one readable ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper()
            problems.append(f"  {name}: {error['msg']}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(problems)) from exc
