"""What a customer report must be, whatever it came from (Slack modal, help desk, CLI).

A source translates its input into a ``ReportSubmission``; the rules that need no database
(values the team offers, first contact not in the future, lengths, ownership, the ticket
reference's format) are checked here, so a help-desk webhook gets exactly the answers the
modal gets. Every problem is a ``ReportRejected`` entry keyed by the submission's field
name; each source shows it where its user will see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from bot.config import Settings
from bot.errors import FieldErrors
from bot.inbound import CleanText, OptionalCleanText, RowId, bounded_name

# Column lengths (bot/models.py: Report); the messages below quote them.
SUMMARY_LIMIT = 3000
TICKET_LIMIT = 300
VERSION_LIMIT = 64
CUSTOMER_LIMIT = 200
ACCOUNT_LIMIT = 64
REGION_LIMIT = 64
TIER_LIMIT = 32
FEATURE_LIMIT = 64
FEATURES_MAX = 100  # one static select offers at most 100 options
OWNER_LIMIT = 32
PERMALINK_LIMIT = 500
SUBMISSION_KEY_LIMIT = 200
# A customer's first contact may be stamped a little ahead of our clock (their clock).
FUTURE_TOLERANCE = timedelta(minutes=5)


class Platform(StrEnum):
    web = "web"
    ios = "ios"
    android = "android"
    desktop = "desktop"
    api = "api"
    other = "other"


class ContactChannel(StrEnum):
    email = "email"
    chat = "chat"
    phone = "phone"
    social = "social"
    other = "other"


class Sentiment(StrEnum):
    calm = "calm"
    concerned = "concerned"
    frustrated = "frustrated"
    angry = "angry"


PLATFORM_LABELS = {
    Platform.web: "Web",
    Platform.ios: "iOS",
    Platform.android: "Android",
    Platform.desktop: "Desktop",
    Platform.api: "API",
    Platform.other: "Other",
}


class ReportRejected(FieldErrors):
    """The submission breaks the intake rules: ``errors`` maps field name -> message."""


def _within(limit: int, message: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise ValueError(message.format(limit=limit, length=len(value)))
        return value

    return AfterValidator(check)


def _one_line(value: str | None) -> str | None:
    return bounded_name(value, 10_000) or None if value is not None else None


_OneLine = Annotated[OptionalCleanText, AfterValidator(_one_line)]


class ReportSubmission(BaseModel):
    """A report as a source hands it in; field names are what ReportRejected refers to.

    ``owner_id`` is the Slack user who owns the ticket (full-case ownership); a source
    that knows none passes the reporter as ``agent_id`` to ``attach``.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    owner_id: Annotated[_OneLine, _within(OWNER_LIMIT, "That is not a Slack user id.")] = None
    incident_id: RowId | None = None
    account_id: Annotated[_OneLine, _within(ACCOUNT_LIMIT, "That account id is too long.")] = None
    customer_name: Annotated[
        _OneLine, _within(CUSTOMER_LIMIT, "Keep the customer's name under {limit} characters.")
    ] = None
    ticket_ref: Annotated[
        _OneLine, _within(TICKET_LIMIT, "Keep the ticket under {limit} characters.")
    ] = None
    first_contact_at: datetime | None = None
    region: Annotated[_OneLine, _within(REGION_LIMIT, "That region is not offered.")] = None
    tier: Annotated[_OneLine, _within(TIER_LIMIT, "That tier is not offered.")] = None
    product_version: Annotated[
        _OneLine, _within(VERSION_LIMIT, "Keep the version under {limit} characters.")
    ] = None
    platform: Platform | None = None
    features: list[
        Annotated[CleanText, _within(FEATURE_LIMIT, "That feature is not offered.")]
    ] = []
    contact_channel: ContactChannel | None = None
    summary: CleanText = ""
    sentiment: Sentiment | None = None
    source_permalink: Annotated[
        _OneLine, _within(PERMALINK_LIMIT, "The link to the source is too long.")
    ] = None

    @field_validator("owner_id")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError("That is not a Slack user id.")
        return value

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        if not value:
            raise ValueError("Describe what the customer reported.")
        if len(value) > SUMMARY_LIMIT:
            raise ValueError(
                f"The summary is {len(value):,} characters; keep it under {SUMMARY_LIMIT:,}."
            )
        return value

    @field_validator("ticket_ref")
    @classmethod
    def _ticket(cls, value: str | None) -> str | None:
        if not value:
            return None
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) or value.startswith("www."):
            parsed = urlparse(value if "://" in value else f"https://{value}")
            try:
                hostname = parsed.hostname or ""
            except ValueError:  # an unparseable port or bracketed host
                hostname = ""
            if parsed.scheme not in ("http", "https") or "." not in hostname:
                raise ValueError("That ticket link is not a valid http(s) URL.")
            return value
        if any(ch.isspace() for ch in value.strip("# ")):
            raise ValueError("Give a ticket ID like `48213` or `SF-00123`, or the ticket's URL.")
        return value

    @field_validator("features")
    @classmethod
    def _features(cls, value: list[str]) -> list[str]:
        if len(value) > FEATURES_MAX:
            raise ValueError(f"Pick at most {FEATURES_MAX} features.")
        return [feature for feature in dict.fromkeys(value) if feature]

    @field_validator("first_contact_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Give the first contact with its time zone.")
        return value


_MESSAGES = {
    "enum": "Pick one of the listed values.",
    "greater_than_equal": "Choose the incident this report belongs to.",
    "less_than_equal": "Choose the incident this report belongs to.",
    "int_parsing": "Choose the incident this report belongs to.",
    "int_type": "Choose the incident this report belongs to.",
    "datetime_parsing": "That is not a date and time.",
    "datetime_type": "That is not a date and time.",
    "list_type": "Pick from the list.",
    "string_type": "That is not text.",
}


@dataclass(frozen=True)
class IntakeRules:
    """What the team offers (from settings) and how far ahead a first contact may be."""

    regions: Sequence[str]
    tiers: Sequence[str]
    features: Sequence[str]
    future_tolerance: timedelta = FUTURE_TOLERANCE

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeRules:
        return cls(
            regions=settings.report_regions,
            tiers=settings.customer_tiers,
            features=settings.report_features,
        )


def parse_submission(
    data: Mapping[str, Any],
    rules: IntakeRules | None = None,
    *,
    now: datetime | None = None,
) -> ReportSubmission:
    """Validate raw values into a submission; every problem becomes a ReportRejected entry
    keyed by field. With ``rules`` (and ``now``) the intake rules are checked too, so one
    answer names every problem, not only those of the first kind found."""
    errors: dict[str, str] = {}
    submission = None
    try:
        submission = ReportSubmission.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "summary"
            message = error.get("ctx", {}).get("error") or _MESSAGES.get(error["type"])
            errors.setdefault(field, str(message or error["msg"]))
    if rules is not None and now is not None:
        values = submission.model_dump() if submission is not None else data
        errors = {**errors, **_rule_errors(values, rules, now, owner_id=values.get("owner_id"))}
    if errors or submission is None:
        raise ReportRejected(errors)
    return submission


def check_submission(
    submission: ReportSubmission, rules: IntakeRules, *, now: datetime, owner_id: str | None
) -> None:
    """The rules that need no database; raises ReportRejected naming every broken one."""
    errors = _rule_errors(submission.model_dump(), rules, now, owner_id=owner_id)
    if errors:
        raise ReportRejected(errors)


def _rule_errors(
    values: Mapping[str, Any], rules: IntakeRules, now: datetime, *, owner_id: object
) -> dict[str, str]:
    """Rule problems by field; values of the wrong type are left to the model's errors."""
    errors: dict[str, str] = {}
    if not owner_id:
        errors["owner_id"] = "Nobody was named as the ticket's owner; nothing was stored."
    if values.get("incident_id") is None:
        errors["incident_id"] = "Choose the incident this report belongs to."
    region, tier = values.get("region"), values.get("tier")
    if isinstance(region, str) and region and region not in rules.regions:
        errors["region"] = "That region is no longer offered; pick another."
    if isinstance(tier, str) and tier and tier not in rules.tiers:
        errors["tier"] = "That tier is no longer offered; pick another."
    features = values.get("features") or []
    if isinstance(features, list):
        unknown = [f for f in features if isinstance(f, str) and f not in rules.features]
        if unknown:
            errors["features"] = f"No longer offered: {', '.join(unknown[:5])}."
    first_contact = values.get("first_contact_at")
    if (
        isinstance(first_contact, datetime)
        and first_contact.tzinfo is not None
        and first_contact > now + rules.future_tolerance
    ):
        errors["first_contact_at"] = "That is in the future; when did they write?"
    if not values.get("account_id") and not values.get("customer_name"):
        errors["account_id"] = "Pick the customer's account or type their name."
    return errors


def check_submission_key(key: str | None) -> str | None:
    if key is not None and not 0 < len(key) <= SUBMISSION_KEY_LIMIT:
        raise ReportRejected({"submission_key": "The submission key is empty or too long."})
    return key
