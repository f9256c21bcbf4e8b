"""Which incident, customer account and report fields a help-desk ticket stands for.

A ticket names its incident in one of three ways teams already use: a tag made from a
pattern (``incident-42``), a custom field holding the number, or the incident channel's
name written in the ticket. Report fields come from mapped custom fields or from tags
with a prefix (``tier_premium``); values the team does not offer are left out rather than
refusing the whole ticket.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import Account, Incident
from bot.services.helpdesk.model import TicketSnapshot
from bot.services.reports import (
    SUMMARY_LIMIT,
    IntakeRules,
    Platform,
    ReportSubmission,
)


def tag_regex(pattern: str) -> re.Pattern[str]:
    """``incident-{number}`` -> a regex matching ``incident-42`` with the number as group 1."""
    return re.compile(re.escape(pattern.lower()).replace(r"\{number\}", r"(\d{1,9})"))


def incident_numbers(snapshot: TicketSnapshot, settings: Settings) -> list[int]:
    """The incident numbers the ticket names by tag or field, most specific first."""
    numbers: list[int] = []
    field = snapshot.fields.get("incident")
    if isinstance(field, str) and field.strip().lstrip("#").isdigit():
        numbers.append(int(field.strip().lstrip("#")))
    regex = tag_regex(settings.helpdesk_incident_tag)
    for tag in snapshot.tags:
        match = regex.fullmatch(tag.strip().lower())
        if match:
            numbers.append(int(match.group(1)))
    return list(dict.fromkeys(numbers))


def find_incident(
    session: Session, snapshot: TicketSnapshot, settings: Settings
) -> Incident | None:
    """The incident the ticket is linked to now, or None (never linked, or unlinked)."""
    for number in incident_numbers(snapshot, settings):
        incident = session.get(Incident, number)
        if incident is not None:
            return incident
    text = f" {snapshot.subject or ''} {snapshot.description or ''} ".lower()
    if not text.strip():
        return None
    channels = session.execute(
        select(Incident.id, Incident.channel_name).where(
            Incident.status == "open", Incident.channel_name.is_not(None)
        )
    ).all()
    for incident_id, name in sorted(channels, key=lambda row: -len(row[1] or "")):
        if name and re.search(rf"(?<![\w-])#?{re.escape(name.lower())}(?![\w-])", text):
            return session.get(Incident, incident_id)
    return None


def find_account(session: Session, snapshot: TicketSnapshot) -> Account | None:
    """The directory's account for the ticket's organization (or requester): by id, then
    by email domain, then by name."""
    org, requester = snapshot.organization, snapshot.requester
    ids = [p.id for p in (org,) if p is not None and p.id]
    for account_id in ids:
        account = session.get(Account, account_id)
        if account is not None:
            return account
    domains = [p.domain for p in (org,) if p is not None and p.domain]
    if requester is not None and requester.email and "@" in requester.email:
        domains.append(requester.email.rsplit("@", 1)[1])
    for domain in (d.strip().lower() for d in domains):
        stem = domain.split(".")[0]
        account = session.scalars(
            select(Account).where(
                func.lower(Account.account_id).in_([domain, stem])
                | (func.lower(Account.name) == stem)
            )
        ).first()
        if account is not None:
            return account
    names = [p.name for p in (org, requester) if p is not None and p.name]
    for name in names:
        account = session.scalars(
            select(Account).where(func.lower(Account.name) == name.strip().lower())
        ).first()
        if account is not None:
            return account
    return None


def customer_name(snapshot: TicketSnapshot) -> str:
    for party in (snapshot.organization, snapshot.requester):
        if party is not None and (party.name or party.email):
            return str(party.name or party.email)
    return snapshot.ref or f"Ticket {snapshot.id}"


def report_values(snapshot: TicketSnapshot, settings: Settings) -> dict[str, object]:
    """Tier, region, version, platform and features from mapped fields, then tagged ones;
    values the team does not offer are dropped."""
    values: dict[str, list[str]] = {}
    for name, value in snapshot.fields.items():
        if name == "incident" or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        values.setdefault(name, []).extend(str(v).strip() for v in items if str(v).strip())
    for name, prefix in settings.helpdesk_tag_fields.items():
        for tag in snapshot.tags:
            if tag.lower().startswith(prefix.lower()) and len(tag) > len(prefix):
                values.setdefault(name, []).append(tag[len(prefix) :])
    rules = IntakeRules.from_settings(settings)
    result: dict[str, object] = {
        "tier": _offered(values.get("tier"), rules.tiers),
        "region": _offered(values.get("region"), rules.regions),
        "product_version": (values.get("version") or [None])[0],
        "platform": _platform(values.get("platform")),
        "features": _dedupe(_offered_all(values.get("feature"), rules.features)),
    }
    return result


def build_submission(
    snapshot: TicketSnapshot,
    settings: Settings,
    *,
    incident: Incident,
    account: Account | None,
    owner: str,
) -> ReportSubmission:
    summary = "\n\n".join(p for p in (snapshot.subject, snapshot.description) if p)
    return ReportSubmission.model_validate(
        {
            "owner_id": owner,
            "incident_id": incident.id,
            "account_id": account.account_id if account else None,
            "customer_name": None if account else customer_name(snapshot)[:200],
            "ticket_ref": snapshot.url or snapshot.ref or snapshot.id,
            "first_contact_at": snapshot.created_at,
            "summary": (summary or f"Ticket {snapshot.ref or snapshot.id}")[:SUMMARY_LIMIT],
            "contact_channel": None,
            **report_values(snapshot, settings),
        }
    )


def _dedupe(values: Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys(values or []))


def _offered_all(values: Sequence[str] | None, offered: Sequence[str]) -> list[str]:
    """The offered spelling of each value the team offers (tags are lower case)."""
    lowered = {o.lower(): o for o in offered}
    return [lowered[v.lower()] for v in values or [] if v.lower() in lowered]


def _offered(values: Sequence[str] | None, offered: Sequence[str]) -> str | None:
    lowered = {o.lower(): o for o in offered}
    for value in values or []:
        if value.lower() in lowered:
            return lowered[value.lower()]
    return None


def _platform(values: Sequence[str] | None) -> Platform | None:
    for value in values or []:
        try:
            return Platform(value.lower())
        except ValueError:
            continue
    return None
