"""PagerDuty and Jira links of incidents; bot/models.py imports them (one metadata).

Kept apart because models.py is at its size limit; ``from bot.models import ...`` still
finds these classes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base


class PagerDutyIncident(Base):
    """A PagerDuty incident Liaison follows and its Liaison incident: the latest state
    PagerDuty told (by ``last_event_at``: an older event delivered late changes nothing)."""

    __tablename__ = "pagerduty_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    # origin: it opened (or will open) the Liaison incident; escalation: support paged it.
    role: Mapped[str] = mapped_column(String(16))
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    service_id: Mapped[str | None] = mapped_column(String(64))
    service_name: Mapped[str | None] = mapped_column(String(200))
    # triggered | acknowledged | resolved
    status: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(32))
    # Last priority applied as severity: a severity set by hand stays until it changes.
    applied_priority: Mapped[str | None] = mapped_column(String(32))
    html_url: Mapped[str | None] = mapped_column(String(500))
    incident_key: Mapped[str | None] = mapped_column(String(255), index=True)
    assignees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    # When the channel was told of the acknowledgement (told once).
    acknowledged_told_at: Mapped[datetime | None]
    conference_url: Mapped[str | None] = mapped_column(String(500))
    conference_number: Mapped[str | None] = mapped_column(String(100))
    last_event_at: Mapped[datetime]
    received_at: Mapped[datetime]
    # The channel's PagerDuty details message, edited when the assignees change.
    details_ts: Mapped[str | None] = mapped_column(String(32))
    # PagerDuty user ids the channel was last told of (None: not announced yet); a new
    # assignee not among them is invited and announced (bot/services/oncall/reassign.py).
    announced_assignees: Mapped[list[Any] | None] = mapped_column(JSON)


class PagerDutyEscalation(Base):
    """A page to a service's on-call (Events API): one per incident and service."""

    __tablename__ = "pagerduty_escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    service: Mapped[str] = mapped_column(String(200))
    dedup_key: Mapped[str] = mapped_column(String(255), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    paged_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    paged_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("uq_pagerduty_escalations_incident_service", "incident_id", "service", unique=True),
    )


class JiraIssue(Base):
    """A Jira issue made for an incident's customer impact (key set once it exists)."""

    __tablename__ = "jira_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # impact: the customer impact for the fix; pir: the post-incident report's ticket.
    purpose: Mapped[str] = mapped_column(String(16), default="impact")
    issue_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    created_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    # Fix versions as Jira last named them, to match a later jira:version_released.
    fix_versions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    released_version: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None]
