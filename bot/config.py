"""Settings, read once from the environment (and .env) by the composition root.

Every option is documented in .env.example. Durations accept ``90s``/``15m``/``2h``/``1d``;
lists are comma-separated. A bad value stops the app at startup with the setting's name,
rather than failing during an incident.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode, SettingsConfigDict

from bot.business_time import BusinessCalendar, calendar_from_parts, parse_hours
from bot.durations import format_duration, parse_duration
from bot.impact_config import ImpactSettings
from bot.integrations.helpdesk_settings import HelpdeskIntegrationSettings
from bot.integrations.oncall_settings import OnCallSettings
from bot.services.followup.settings import FollowupSettings
from bot.services.statuspage.settings import StatusPageSettings
from bot.serving_config import ServingSettings
from bot.setting_types import CsvList, Duration, DurationList, split_csv
from bot.sla_policy import SlaPolicy, parse_escalation, parse_policies, policy_tiers

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


def parse_severity_durations(value: Any) -> Any:
    """``"sev1=15m, sev2=15m, sev3=1h"`` -> {"sev1": 15 minutes, ...}; dicts pass through."""
    if not isinstance(value, str):
        return value
    result: dict[str, timedelta] = {}
    for item in split_csv(value):
        severity, sep, duration = item.partition("=")
        severity = severity.strip().lower()
        if not sep or severity not in SEVERITIES:
            raise ValueError(
                f"{item!r} should look like sev1=15m (severities {', '.join(SEVERITIES)})"
            )
        result[severity] = parse_duration(duration)
    return result


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_USER_OR_GROUP_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")

SeverityDurations = Annotated[
    dict[str, Duration], NoDecode, BeforeValidator(parse_severity_durations)
]


class ConfigError(RuntimeError):
    """Configuration that cannot work; the message names the setting and the fix."""


class Settings(
    ServingSettings,
    ImpactSettings,
    HelpdeskIntegrationSettings,
    OnCallSettings,
    StatusPageSettings,
    FollowupSettings,
):
    """All of Liaison's configuration. Field names map to upper-case environment variables.

    The HTTP edge, start-up and logging settings are declared in bot/serving_config.py."""

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
    # Requests each worker process handles at once; more wait their turn in order. Twice
    # this many made reports slower, not faster: they waited on each other's row locks
    # and for the interpreter instead of in line (bench/report_ack.py).
    web_threads: int = Field(default=8, ge=1)
    listener_threads: int = Field(default=64, ge=1)
    scheduler_interval: Duration = timedelta(seconds=10)
    # A claimed reminder whose process died is claimed again after this long.
    reminder_lease: Duration = timedelta(minutes=2)
    # Due reminders each process claims at a time (smaller spreads work across replicas).
    reminder_batch_size: int = Field(default=200, ge=1)
    # Threads per process sending due reminders (their time is mostly spent waiting on Slack).
    reminder_threads: int = Field(default=8, ge=1)
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
    # Who hears about problems nobody else can fix (empty pool, nobody accepting, overdue
    # updates): a user id (U...) or a user group id (S...).
    liaison_escalation: str = ""
    # The pool liaisons are chosen from: a user group id (S...), user ids, or both.
    liaison_usergroup: str = ""
    liaison_users: CsvList = []
    # Members are preferred inside these hours, read in each member's own Slack time zone.
    liaison_working_hours: str = "09:00-18:00"
    # An assigned liaison who has not accepted by then is replaced by the next member.
    liaison_accept_timeout: Duration = timedelta(minutes=5)

    # --- Update cadence -----------------------------------------------------------------
    cadence_assessment_due: Duration = timedelta(minutes=5)
    cadence_update_intervals: SeverityDurations = {
        "sev1": timedelta(minutes=15),
        "sev2": timedelta(minutes=15),
        "sev3": timedelta(hours=1),
        "sev4": timedelta(hours=4),
    }
    cadence_prelim_business_days: int = Field(default=1, ge=0)
    cadence_pir_business_days: int = Field(default=5, ge=0)
    # The liaison's DM comes this long before an assessment or update deadline ...
    cadence_nudge_lead: Duration = timedelta(minutes=2)
    # ... and this long before a report deadline.
    cadence_report_nudge_lead: Duration = timedelta(hours=2)

    # --- Business calendar (cadence deadlines; SLA policies may set their own) ----------
    business_days: CsvList = ["mon", "tue", "wed", "thu", "fri"]
    business_hours: str = "09:00-17:00"
    business_timezone: str = "UTC"
    # Public holidays from the `holidays` package, e.g. US, GB, DE (empty: none) ...
    holidays_country: str = ""
    holidays_subdivision: str = ""
    # ... plus your own closed days (ISO dates).
    holidays_extra: CsvList = []

    # --- Ticket SLAs --------------------------------------------------------------------
    # First-response target per customer tier and the calendar its clock runs on
    # (see bot/sla_policy.py): tier=duration@24/7 | @business | @days hours zone [holidays=CC].
    sla_policies: str = "premium=1h@24/7;enterprise=2h@24/7;standard=8h@business"
    # Policy for reports whose tier is unknown or has no policy (empty: no SLA for them).
    sla_default_tier: str = "standard"
    # DM the ticket's owner this long before the first-response deadline (one DM each).
    sla_reminder_leads: DurationList = [timedelta(minutes=30), timedelta(minutes=10)]
    # Who hears about breaches and undeliverable reminders: a user (U...) or user group
    # (S...), optionally per tier: "premium=S0PREMIUM,S0SUPPORTMGRS".
    sla_escalation: str = ""
    # App Home refreshes wait this long after a change, so a burst is published once.
    sla_home_refresh_delay: Duration = timedelta(seconds=5)

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

    @field_validator("liaison_escalation")
    @classmethod
    def _user_or_group_id(cls, value: str) -> str:
        value = value.strip()
        if value and not _USER_OR_GROUP_ID.match(value):
            raise ValueError(
                f"{value!r} is not a Slack user id (U...) or user group id (S...); copy it "
                "from the person's or group's profile (More > Copy member/group ID)"
            )
        return value

    @field_validator("liaison_usergroup")
    @classmethod
    def _group_id(cls, value: str) -> str:
        value = value.strip()
        if value and not _GROUP_ID.match(value):
            raise ValueError(
                f"{value!r} is not a user group id like S0123ABCD (the group's profile: "
                "More > Copy group ID)"
            )
        return value

    @field_validator("liaison_users")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:
        wrong = [item for item in value if not _USER_ID.match(item)]
        if wrong:
            raise ValueError(
                f"{wrong} are not Slack user ids like U0123ABCD (a profile's More > Copy member ID)"
            )
        return list(dict.fromkeys(value))

    @field_validator("liaison_working_hours")
    @classmethod
    def _working_hours(cls, value: str) -> str:
        parse_hours(value)
        return value.strip()

    @field_validator("liaison_accept_timeout")
    @classmethod
    def _positive_timeout(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than zero, e.g. 5m")
        return value

    @field_validator("cadence_update_intervals")
    @classmethod
    def _every_severity_has_an_interval(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        defaults = cls.model_fields["cadence_update_intervals"].default
        return {**defaults, **value}

    @field_validator(
        "cadence_assessment_due",
        "cadence_nudge_lead",
        "cadence_report_nudge_lead",
        "reminder_lease",
        "scheduler_interval",
    )
    @classmethod
    def _positive_duration(cls, value: timedelta) -> timedelta:
        if value <= timedelta():
            raise ValueError("must be longer than zero, e.g. 60s or 5m")
        return value

    @field_validator("cadence_update_intervals", mode="after")
    @classmethod
    def _positive_intervals(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        zero = [severity for severity, interval in value.items() if interval <= timedelta()]
        if zero:
            raise ValueError(f"intervals must be longer than zero (check {', '.join(zero)})")
        return value

    @model_validator(mode="after")
    def _nudge_comes_before_the_deadline(self) -> Settings:
        shortest = min([self.cadence_assessment_due, *self.cadence_update_intervals.values()])
        if self.cadence_nudge_lead >= shortest:
            raise ValueError(
                f"CADENCE_NUDGE_LEAD ({format_duration(self.cadence_nudge_lead)}) must be "
                f"shorter than the shortest assessment or update deadline "
                f"({format_duration(shortest)}), or the nudge would come before the clock starts"
            )
        return self

    @model_validator(mode="after")
    def _calendar_is_valid(self) -> Settings:
        self.business_calendar()
        return self

    @field_validator("sla_reminder_leads")
    @classmethod
    def _positive_leads(cls, value: list[timedelta]) -> list[timedelta]:
        if any(lead <= timedelta() for lead in value):
            raise ValueError("every lead time must be longer than zero, e.g. 30m,10m")
        return sorted(set(value), reverse=True)

    @field_validator("sla_policies")
    @classmethod
    def _readable_policies(cls, value: str, info: ValidationInfo) -> str:
        if "customer_tiers" in info.data:  # else that setting's own error is reported
            parse_policies(
                value,
                business=lambda: _business_calendar(info.data),
                tiers=info.data["customer_tiers"],
            )
        return value

    @field_validator("sla_default_tier")
    @classmethod
    def _default_tier_has_a_policy(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip().lower()
        known = policy_tiers(info.data.get("sla_policies", ""))
        if value and "sla_policies" in info.data and value not in known:
            raise ValueError(
                f"{value!r} has no policy in SLA_POLICIES; leave it empty for no default"
            )
        return value

    @field_validator("sla_escalation")
    @classmethod
    def _readable_escalation(cls, value: str, info: ValidationInfo) -> str:
        parse_escalation(value, tiers=info.data.get("customer_tiers", []))
        return value

    def sla_policy_map(self) -> dict[str, SlaPolicy]:
        """Policies by tier (validated at startup, so this does not raise afterwards)."""
        return parse_policies(
            self.sla_policies, business=self.business_calendar, tiers=self.customer_tiers
        )

    def sla_escalation_map(self) -> dict[str | None, str]:
        """Escalation contact per tier; the ``None`` key is the default for every tier."""
        return parse_escalation(self.sla_escalation, tiers=self.customer_tiers)

    def business_calendar(self) -> BusinessCalendar:
        """The calendar for business-day deadlines (raises ValueError naming the fault)."""
        try:
            return calendar_from_parts(
                timezone=self.business_timezone,
                workdays=self.business_days,
                hours=self.business_hours,
                holidays_country=self.holidays_country,
                holidays_subdivision=self.holidays_subdivision,
                holidays_extra=self.holidays_extra,
            )
        except ValueError as exc:
            raise ValueError(f"business calendar (BUSINESS_*/HOLIDAYS_*): {exc}") from exc

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def _business_calendar(data: dict[str, Any]) -> BusinessCalendar:
    """The BUSINESS_* calendar from already-validated values (for SLA policies using it)."""
    try:
        return calendar_from_parts(
            timezone=data.get("business_timezone", "UTC"),
            workdays=data.get("business_days", ["mon-fri"]),
            hours=data.get("business_hours", "09:00-17:00"),
            holidays_country=data.get("holidays_country", ""),
            holidays_subdivision=data.get("holidays_subdivision", ""),
            holidays_extra=data.get("holidays_extra", []),
        )
    except ValueError as exc:
        raise ValueError(
            f"the business calendar (BUSINESS_*/HOLIDAYS_*) is invalid: {exc}"
        ) from exc


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's report into one readable ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper()
            problems.append(f"  {name}: {error['msg']}" if name else f"  {error['msg']}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(problems)) from exc
