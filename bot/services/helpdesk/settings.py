"""Help-desk settings shared by every source; bot/config.py's Settings inherits them.

Each help desk is off until its own settings are filled (bot/integrations/<system>/
settings.py). What is common lives here: how a ticket names its incident, who owns a ticket
whose assignee is not in Slack, and which tags carry a report's fields.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.durations import parse_duration

LOGICAL_FIELDS = ("incident", "tier", "region", "version", "platform", "feature")


def parse_field_map(value: Any) -> Any:
    """``"incident=360001, tier=360002"`` -> {"incident": "360001", "tier": "360002"}."""
    if not isinstance(value, str):
        return value
    result: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        name, sep, target = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in LOGICAL_FIELDS or not target.strip():
            raise ValueError(
                f"{item!r} should look like tier=<field> (fields: {', '.join(LOGICAL_FIELDS)})"
            )
        result[name] = target.strip()
    return result


FieldMap = Annotated[dict[str, str], NoDecode, BeforeValidator(parse_field_map)]


class HelpdeskSettings(BaseSettings):
    # How a ticket's tag names its incident; {number} is the incident number.
    helpdesk_incident_tag: str = "incident-{number}"
    # Owner of tickets whose assignee has no Slack account with the same email (a user id).
    helpdesk_fallback_owner: str = ""
    # Tags that carry report fields: a tag "tier_premium" sets the tier to "premium".
    helpdesk_tag_fields: FieldMap = {
        "tier": "tier_",
        "region": "region_",
        "version": "version_",
        "platform": "platform_",
        "feature": "feature_",
    }
    # Help-desk status given to linked tickets with the resolution reply (e.g. "solved"
    # or "pending"); empty leaves their status alone.
    helpdesk_resolved_status: str = ""
    # Secret of the generic signed webhook (POST /webhooks/generic); empty: off.
    generic_webhook_secret: SecretStr = SecretStr("")
    # Signed deliveries older (or newer) than this are refused as replays.
    helpdesk_webhook_tolerance: Annotated[timedelta, BeforeValidator(parse_duration)] = timedelta(
        minutes=5
    )

    @field_validator("helpdesk_incident_tag")
    @classmethod
    def _tag_pattern(cls, value: str) -> str:
        if value.count("{number}") != 1:
            raise ValueError("must contain {number} once, e.g. incident-{number}")
        return value.strip().lower()
