"""PagerDuty and conference bridge settings; bot/config.py's Settings inherits them.

PagerDuty is off until ``PAGERDUTY_WEBHOOK_SECRETS`` (incidents in) or
``PAGERDUTY_API_TOKEN`` / ``PAGERDUTY_ROUTING_KEYS`` (updates and pages out) are set.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.setting_types import CsvList, split_csv

_SEVERITY = re.compile(r"^sev[1-4]$")


def _pairs(value: Any) -> Any:
    """``"a=1, b=2"`` -> {"a": "1", "b": "2"}; dicts pass through."""
    if not isinstance(value, str):
        return value
    result: dict[str, str] = {}
    for item in split_csv(value):
        key, sep, mapped = item.partition("=")
        if not sep or not key.strip() or not mapped.strip():
            raise ValueError(f"{item!r} should look like name=value")
        result[key.strip()] = mapped.strip()
    return result


Pairs = Annotated[dict[str, str], NoDecode, BeforeValidator(_pairs)]


class PagerDutySettings(BaseSettings):
    # Signing secrets of the v3 webhook subscription; several while one is rotated out.
    pagerduty_webhook_secrets: CsvList = []
    pagerduty_api_url: str = "https://api.pagerduty.com"
    pagerduty_api_token: str = ""
    # The PagerDuty user writes are made as (REST API "From" header).
    pagerduty_from_email: str = ""
    pagerduty_events_url: str = "https://events.pagerduty.com"
    # service name -> Events API v2 integration key, for /liaison escalate.
    pagerduty_routing_keys: Pairs = {}
    # Services (names or ids) whose incidents open Liaison incidents; empty: all.
    pagerduty_services: CsvList = []
    pagerduty_priority_severities: Pairs = {
        "P1": "sev1",
        "P2": "sev2",
        "P3": "sev3",
        "P4": "sev4",
        "P5": "sev4",
    }
    # Severity of a PagerDuty incident without a priority.
    pagerduty_default_severity: str = "sev3"
    # Name of the channel Liaison creates for a PagerDuty incident ({number}, {title}).
    pagerduty_channel_name: str = "pd-{number}-{title}"
    # Customer-facing updates go to PagerDuty as status updates or as notes.
    pagerduty_updates_as: Literal["status_updates", "notes"] = "status_updates"
    # Resolving in Liaison resolves the linked PagerDuty incident too.
    pagerduty_resolve_from_liaison: bool = False
    # Conference bridge when PagerDuty has none; {number} is the Liaison incident number.
    conference_bridge_url: str = ""

    @field_validator("pagerduty_priority_severities")
    @classmethod
    def _pagerduty_severities_are_known(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [f"{k}={v}" for k, v in value.items() if not _SEVERITY.match(v.lower())]
        if bad:
            raise ValueError(f"{', '.join(bad)}: severities are sev1..sev4")
        return {key.upper(): severity.lower() for key, severity in value.items()}

    @field_validator("pagerduty_default_severity")
    @classmethod
    def _pagerduty_default_is_known(cls, value: str) -> str:
        if not _SEVERITY.match(value.lower()):
            raise ValueError(f"{value!r} is not a severity (sev1..sev4)")
        return value.lower()

    @field_validator("pagerduty_channel_name", "conference_bridge_url")
    @classmethod
    def _pagerduty_templates_use_known_fields(cls, value: str) -> str:
        try:
            value.format(number=1, title="t")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{value!r}: only {{number}} and {{title}} can be used") from exc
        return value

    @model_validator(mode="after")
    def _channel_is_not_claimed_by_the_channel_pattern(self) -> Any:
        """A channel Liaison creates for a PagerDuty incident must not also open an incident
        of its own when Slack announces it (``channel_created``)."""
        pattern = getattr(self, "incident_channel_pattern", None)
        sample = self.pagerduty_channel_name.format(number=1234, title="checkout")
        if pattern and re.search(pattern, sample, re.IGNORECASE):
            raise ValueError(
                "PAGERDUTY_CHANNEL_NAME must not match INCIDENT_CHANNEL_PATTERN: the channel "
                "Liaison creates would open a second incident"
            )
        return self

    @property
    def pagerduty_inbound_enabled(self) -> bool:
        return bool(self.pagerduty_webhook_secrets)

    @property
    def pagerduty_api_enabled(self) -> bool:
        return bool(self.pagerduty_api_token)
