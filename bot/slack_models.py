"""Tables of Slack bookkeeping: the events already handled and the App Home last published
to each person. Part of bot/models.py's schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base


class HomeView(Base):
    """A digest of the App Home last published to a person (its "updated" line left out),
    so a refresh that would show the same thing is not sent."""

    __tablename__ = "home_views"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    view_hash: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Slack event ids already handled, so redeliveries change nothing."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Keys older than a week are forgotten (bot/services/deliveries.py) by this index.
    received_at: Mapped[datetime] = mapped_column(index=True)
