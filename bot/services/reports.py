"""Attaching customer reports to incidents (full-case ownership: the filer owns the ticket).

The submission is validated as a whole before anything is stored; every problem is tied
to the field it belongs to so a modal can show it inline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.errors import FieldErrors, LiaisonError
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Account, Incident, ProcessedEvent, Report, ReportFeature
from bot.runtime import Runtime

SUMMARY_LIMIT = 3000


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


class ReportSubmission(BaseModel):
    """A report as submitted by an agent; field names are what FieldErrors refer to."""

    model_config = ConfigDict(str_strip_whitespace=True)

    incident_id: int | None = None
    account_id: str | None = None
    customer_name: str | None = None
    ticket_ref: str | None = None
    region: str | None = None
    tier: str | None = None
    product_version: str | None = None
    platform: Platform | None = None
    features: list[str] = []
    contact_channel: ContactChannel | None = None
    summary: str = ""
    sentiment: Sentiment | None = None
    source_permalink: str | None = None
    first_contact_at: datetime | None = None

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
            if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
                raise ValueError("That ticket link is not a valid http(s) URL.")
            return value
        if len(value) > 300 or any(ch.isspace() for ch in value.strip("# ")):
            raise ValueError("Give a ticket ID like `48213` or `SF-00123`, or the ticket's URL.")
        return value

    @field_validator("incident_id")
    @classmethod
    def _incident(cls, value: int | None) -> int:
        if value is None:
            raise ValueError("Choose the incident this report belongs to.")
        return value


@dataclass(frozen=True)
class AttachedReport:
    id: int
    incident_id: int
    incident_title: str
    incident_channel_id: str | None
    customer_name: str
    ticket_ref: str | None
    is_repeat_customer: bool
    report_count: int
    customer_count: int


_MESSAGES = {
    "enum": "Pick one of the listed values.",
    "int_parsing": "Choose the incident this report belongs to.",
}


def parse_submission(data: dict[str, object]) -> ReportSubmission:
    """Validate raw values; every problem becomes a FieldErrors entry keyed by field name."""
    try:
        return ReportSubmission.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "summary"
            message = error.get("ctx", {}).get("error") or _MESSAGES.get(error["type"])
            errors.setdefault(field, str(message or error["msg"]))
        raise FieldErrors(errors) from exc


class AlreadyAttached(LiaisonError):
    """This very submission (same modal) was stored before: Slack retried, or the agent
    submitted again after Slack gave up waiting for the first answer."""


def attach(
    rt: Runtime,
    submission: ReportSubmission,
    *,
    agent_id: str,
    submission_id: str | None = None,
) -> AttachedReport:
    """Store a report owned by ``agent_id``; the incident must still be open.

    ``submission_id`` (the modal's view id) makes a repeated submission of the same modal
    raise AlreadyAttached instead of storing a second report.
    """
    try:
        return _attach(rt, submission, agent_id=agent_id, submission_id=submission_id)
    except IntegrityError:
        if submission_id and _seen(rt, submission_id):
            raise AlreadyAttached("This report was already attached.") from None
        raise


def _submission_key(submission_id: str) -> str:
    return f"report:{submission_id}"[:64]


def _seen(rt: Runtime, submission_id: str) -> bool:
    with rt.sessions() as session:
        return session.get(ProcessedEvent, _submission_key(submission_id)) is not None


def _attach(
    rt: Runtime, submission: ReportSubmission, *, agent_id: str, submission_id: str | None
) -> AttachedReport:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        # Reads first, writes last: on SQLite the write lock is held from the first write.
        incident = session.get(Incident, submission.incident_id, with_for_update=True)
        if incident is None:
            raise FieldErrors({"incident_id": "That incident no longer exists."})
        if not incident.is_open:
            message = f"Incident #{incident.id} was resolved meanwhile; pick an open one."
            raise FieldErrors({"incident_id": message})
        account = session.get(Account, submission.account_id) if submission.account_id else None
        name = account.name if account else (submission.customer_name or submission.account_id)
        if not name:
            raise FieldErrors({"account_id": "Name the customer or pick their account."})
        key = (account.account_id if account else name).strip().lower()
        repeat = bool(
            session.scalar(
                select(func.count(Report.id)).where(
                    Report.incident_id == incident.id, Report.customer_key == key
                )
            )
        )
        report = Report(
            incident_id=incident.id,
            account_id=account.account_id if account else None,
            customer_name=name[:200],
            customer_key=key[:200],
            ticket_ref=submission.ticket_ref,
            ticket_url=submission.ticket_ref if _is_url(submission.ticket_ref) else None,
            region=(account.region if account and account.region else submission.region),
            tier=(account.tier if account and account.tier else submission.tier),
            vip=bool(account and account.vip),
            product_version=submission.product_version,
            platform=submission.platform.value if submission.platform else None,
            contact_channel=submission.contact_channel.value
            if submission.contact_channel
            else None,
            sentiment=submission.sentiment.value if submission.sentiment else None,
            summary=submission.summary,
            source_permalink=submission.source_permalink,
            owner_user_id=agent_id,
            reported_by=agent_id,
            created_at=now,
            first_contact_at=submission.first_contact_at,
            features=[ReportFeature(feature=f) for f in dict.fromkeys(submission.features)],
        )
        if submission_id:
            session.add(ProcessedEvent(event_id=_submission_key(submission_id), received_at=now))
        session.add(report)
        session.flush()
        rt.hooks.emit(
            session,
            LifecycleEvent(Lifecycle.report_attached, incident, now, actor=agent_id, report=report),
        )
        reports, customers = session.execute(
            select(func.count(Report.id), func.count(func.distinct(Report.customer_key))).where(
                Report.incident_id == incident.id
            )
        ).one()
        attached = AttachedReport(
            id=report.id,
            incident_id=incident.id,
            incident_title=incident.title,
            incident_channel_id=incident.channel_id,
            customer_name=report.customer_name,
            ticket_ref=report.ticket_ref,
            is_repeat_customer=repeat,
            report_count=int(reports),
            customer_count=int(customers),
        )
    rt.wake()
    return attached


def _is_url(value: str | None) -> bool:
    return bool(value) and "://" in str(value)
