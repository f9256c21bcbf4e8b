"""The status page's tables: what customers read, kept apart from the incident rows.

Imported by bot/models.py, so they share its metadata (migrations compare against it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
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
