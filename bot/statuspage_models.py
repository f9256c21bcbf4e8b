"""The status page's tables: what customers read, kept apart from the incident rows.

Imported by bot/models.py, so they share its metadata (migrations compare against it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base, UTCDateTime


class PageIncident(Base):
    """An incident or maintenance window as the status page shows it.

    Kept apart from ``incidents``: customers read only what was published (the public
    title as it was then, the statuses and messages chosen to be public), never the
    internal title or notes. ``updated_at`` changes with every change the page shows, so
    the page's cache knows when to re-read.
    """

    __tablename__ = "page_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # incident | maintenance
    name: Mapped[str] = mapped_column(String(300))
    # incident: investigating | identified | monitoring | resolved;
    # maintenance: scheduled | in_progress | completed
    status: Mapped[str] = mapped_column(String(16), index=True)
    impact: Mapped[str] = mapped_column(String(16))  # none | minor | major | critical
    # Component key -> state while it is open (STATUS_COMPONENTS keys).
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    resolved_at: Mapped[datetime | None]
    scheduled_for: Mapped[datetime | None]
    scheduled_until: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(32))
    # The incident's id on Atlassian Statuspage, once pushed there.
    statuspage_id: Mapped[str | None] = mapped_column(String(64))
    # The push job bringing it up to date there right now: one at a time, in order.
    push_job_id: Mapped[int | None] = mapped_column(Integer)
    # The same for PagerDuty Status Pages: the post's id there, and the push sending now.
    pagerduty_post_id: Mapped[str | None] = mapped_column(String(64))
    pagerduty_job_id: Mapped[int | None] = mapped_column(Integer)


class PageUpdate(Base):
    """One update customers read on the status page, in the words they read."""

    __tablename__ = "page_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_incident_id: Mapped[int] = mapped_column(ForeignKey("page_incidents.id"), index=True)
    # The Slack status update it was published from (unique: published once).
    status_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_updates.id"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(32))
    # When it reached Atlassian Statuspage (None: not configured or not yet).
    pushed_at: Mapped[datetime | None]
    # When it reached the PagerDuty status page (None: not configured or not yet).
    pagerduty_pushed_at: Mapped[datetime | None]


class PageSubscriber(Base):
    """A webhook subscriber: every update is POSTed to ``url`` as signed JSON."""

    __tablename__ = "page_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    # Component keys it cares about; empty: all.
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(32))
    # Set while deliveries are held because the address now points inside the network
    # (bot/services/statuspage/webhook_hold.py); cleared by the next one that goes out.
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_reason: Mapped[str | None] = mapped_column(String(300))


class PageEmailSubscriber(Base):
    """Someone who asked for updates by email (only where ``SMTP_URL`` is configured).

    Written when the form is sent, confirmed when the link in the confirmation email is
    followed: only confirmed addresses receive updates. Unsubscribing deletes the row, so
    the address is forgotten. ``attempts`` and ``attempts_since`` cap how many
    confirmation emails one address can be sent (the form answers the same either way).
    """

    __tablename__ = "page_email_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # Component keys it cares about; empty: all.
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempts_since: Mapped[datetime]


class PageEmailDelivery(Base):
    """One update sent to one subscriber: the fan-out's record, so a retried or reclaimed
    fan-out sends each subscriber each update once."""

    __tablename__ = "page_email_deliveries"
    __table_args__ = (UniqueConstraint("page_update_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_update_id: Mapped[int] = mapped_column(ForeignKey("page_updates.id"), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("page_email_subscribers.id", ondelete="CASCADE"), index=True
    )
    # sent | refused (the mail server refused this address for good)
    outcome: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
