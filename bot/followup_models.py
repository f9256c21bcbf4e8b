"""Tables of the follow-up capability: the follow-up board, SLA credits owed, and severity
changes (for the drafted report's timeline). Part of bot/models.py's schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base


class Followup(Base):
    """One customer to tell after an incident is resolved: a line of the follow-up board.

    One row per customer (``customer_key``, as on reports), however many tickets they
    filed. ``state`` is ``to_tell``, ``told`` or ``not_needed``; who told them, when and how
    (``dm``, ``home``, ``board``, ``helpdesk``) are kept, so "customers told within a day"
    is a query, not a counter. The reaction and a later agent reply feed CSAT and FCR.
    """

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    customer_key: Mapped[str] = mapped_column(String(200))
    customer_name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(64))
    # Why they are on the board: comma-separated ``reported``, ``vip``, ``sla_breach``,
    # ``affected`` (a VIP of the directory the incident touched who did not write in).
    reasons: Mapped[str] = mapped_column(String(64))
    # For ``affected`` VIPs: the segments that put them there, ``dimension:label`` joined by
    # ``|`` (``region:eu-west|version:5.1``), or ``major`` (a customer-visible major
    # incident without a finding: every VIP). See bot/services/followup/affected.py.
    affected_by: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="to_tell")
    told_by: Mapped[str | None] = mapped_column(String(32))
    told_at: Mapped[datetime | None]
    told_how: Mapped[str | None] = mapped_column(String(16))
    # Not needed: why, and who decided when (``told_by``/``told_at`` hold who and when).
    not_needed_reason: Mapped[str | None] = mapped_column(Text)
    # satisfied | neutral | dissatisfied, recorded after the customer was told.
    reaction: Mapped[str | None] = mapped_column(String(16))
    reaction_note: Mapped[str | None] = mapped_column(Text)
    reaction_at: Mapped[datetime | None]
    # An agent had to reply again after the customer was told: not a first-contact resolution.
    further_reply_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("uq_followups_incident_customer", "incident_id", "customer_key", unique=True),
        Index("ix_followups_state_told", "state", "told_at"),
    )


class SlaCredit(Base):
    """A contractual credit owed to a directory account for one incident (``SLA_CREDITS``).

    Stored when the incident resolves, so a later change of the terms does not rewrite what
    was owed; recomputed if the incident is reopened and resolved again.
    """

    __tablename__ = "sla_credits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    account_name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(32))
    percent: Mapped[int] = mapped_column(Integer)
    threshold_seconds: Mapped[int] = mapped_column(Integer)
    visible_seconds: Mapped[int] = mapped_column(Integer)
    visible_start: Mapped[datetime]
    visible_end: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (
        Index("uq_sla_credits_incident_account", "incident_id", "account_id", unique=True),
    )


class SeverityChange(Base):
    """A change of an incident's severity, for the drafted report's timeline."""

    __tablename__ = "severity_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    previous: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(8))
    changed_by: Mapped[str | None] = mapped_column(String(32))
    changed_at: Mapped[datetime]
