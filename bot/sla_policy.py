"""SLA policies per customer tier, parsed from one readable setting, and their deadlines.

``SLA_POLICIES`` lists one policy per tier, separated by ``;``::

    premium=1h@24/7; enterprise=2h@24/7; standard=8h@business
    standard=8h@mon-fri 09:00-17:00 America/New_York holidays=US

The part after ``@`` is the calendar the clock runs on: ``24/7`` (the default when it is
left out), ``business`` (the shared BUSINESS_* / HOLIDAYS_* calendar), or its own working
days, opening hours, time zone and optional public holidays (``holidays=US`` or
``holidays=DE-BY``). A policy that cannot be read stops the app at startup, because a
ticket whose deadline is silently wrong is worse than an app that refuses to start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.business_time import BusinessCalendar, calendar_from_parts
from bot.durations import format_duration, parse_duration

POLICY_EXAMPLE = "premium=1h@24/7;standard=8h@mon-fri 09:00-17:00 America/New_York"
_HOURS = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class SlaPolicy:
    """First-response target of one tier, counted on the tier's own calendar."""

    tier: str
    first_response: timedelta
    calendar: BusinessCalendar
    calendar_label: str

    def first_response_due(self, start: datetime) -> datetime:
        """When the first response is due for a customer who first contacted us at ``start``."""
        return self.calendar.add_business_time(start, self.first_response)

    @property
    def description(self) -> str:
        """``1h first response, 24/7``, for people reading a reminder."""
        return f"{format_duration(self.first_response)} first response, {self.calendar_label}"


def parse_policies(
    text: str, *, business: Callable[[], BusinessCalendar], tiers: Iterable[str] | None = None
) -> dict[str, SlaPolicy]:
    """Parse ``SLA_POLICIES``; every error names the tier and the part that is wrong."""
    known = {tier.lower() for tier in tiers} if tiers is not None else None
    policies: dict[str, SlaPolicy] = {}
    for item in _items(text):
        tier, sep, rest = item.partition("=")
        tier = tier.strip().lower()
        if not sep or not tier or not rest.strip():
            raise ValueError(f"{item!r} should look like tier=duration@calendar ({POLICY_EXAMPLE})")
        if tier in policies:
            raise ValueError(f"tier {tier!r} has two policies")
        if known is not None and tier not in known:
            raise ValueError(
                f"tier {tier!r} is not one of CUSTOMER_TIERS ({', '.join(sorted(known))})"
            )
        duration_text, _, calendar_text = rest.partition("@")
        try:
            duration = parse_duration(duration_text)
            if duration <= timedelta():
                raise ValueError(f"{duration_text.strip()!r} must be longer than zero")
            calendar, label = _parse_calendar(calendar_text, business)
        except ValueError as exc:
            raise ValueError(f"{tier}: {exc}") from exc
        policies[tier] = SlaPolicy(tier, duration, calendar, label)
    return policies


def policy_tiers(text: str) -> list[str]:
    """The tiers named in ``SLA_POLICIES``, without parsing their calendars."""
    items = (item.partition("=")[0].strip().lower() for item in _items(text))
    return [tier for tier in items if tier]


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ";").split(";") if item.strip()]


def _parse_calendar(
    text: str, business: Callable[[], BusinessCalendar]
) -> tuple[BusinessCalendar, str]:
    tokens = text.split()
    if not tokens or [t.lower() for t in tokens] in (["24/7"], ["24x7"], ["always"]):
        return BusinessCalendar.around_the_clock(), "24/7"
    if [t.lower() for t in tokens] == ["business"]:
        return business(), "business hours"
    days: list[str] = []
    hours = ""
    timezone = "UTC"
    country = subdivision = ""
    for token in tokens:
        lowered = token.lower()
        if lowered.startswith("holidays="):
            country, _, subdivision = token[len("holidays=") :].upper().partition("-")
            if not country:
                raise ValueError(f"{token!r} should name a country, like holidays=US")
        elif _HOURS.match(token) or lowered == "24/7":
            hours = token
        elif "/" in token or token.upper() == "UTC":
            timezone = token
        else:
            days.extend(part for part in token.split(",") if part)
    if not days:
        raise ValueError(
            f"calendar {text.strip()!r} names no working days; write e.g. "
            "mon-fri 09:00-17:00 Europe/Berlin, or 24/7, or business"
        )
    calendar = calendar_from_parts(
        timezone=timezone,
        workdays=days,
        hours=hours or "24/7",
        holidays_country=country,
        holidays_subdivision=subdivision,
    )
    return calendar, " ".join(tokens)


def parse_escalation(text: str, *, tiers: Iterable[str]) -> dict[str | None, str]:
    """``SLA_ESCALATION``: one id for every tier, and/or ``tier=id`` pairs.

    ``S0MANAGERS`` -> {None: "S0MANAGERS"}; ``premium=U1,S2`` -> {"premium": "U1", None: "S2"}.
    Ids are users (U..., W...) or user groups (S...).
    """
    known = {tier.lower() for tier in tiers}
    contacts: dict[str | None, str] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        tier: str | None = None
        if "=" in item:
            tier_text, _, item = (part.strip() for part in item.partition("="))
            tier = tier_text.lower()
            if tier not in known:
                raise ValueError(
                    f"tier {tier_text!r} is not one of CUSTOMER_TIERS ({', '.join(sorted(known))})"
                )
        if not _SLACK_ID.match(item):
            raise ValueError(
                f"{item!r} is not a user id (U...) or user group id (S...); "
                "write e.g. S0SUPPORTMGRS or premium=U0ALEX,S0SUPPORTMGRS"
            )
        if tier in contacts:
            raise ValueError(f"{'tier ' + tier if tier else 'the default'} is given twice")
        contacts[tier] = item
    return contacts
