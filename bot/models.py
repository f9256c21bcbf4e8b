"""The database schema, in SQLAlchemy 2.0 typed style.

Rules that must hold under concurrency (one incident per channel, one active liaison per
incident, one reminder per dedupe key, one row per Slack event) are database constraints,
because several replicas may handle the same trigger at the same moment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, and logic compares aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Account(Base):
    """A customer account from the directory loaded by ``import-accounts``."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    tier: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optional directory columns: the impact summary's baseline for platform and version.
    platform: Mapped[str | None] = mapped_column(String(16))
    product_version: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime]

    features: Mapped[list[AccountFeature]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class AccountFeature(Base):
    """A feature an account has enabled, from the directory's optional ``features`` column.

    A table rather than a list in the account row, so the impact summary can count the
    accounts that have a feature with one grouped query (its baseline for features).
    """

    __tablename__ = "account_features"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.account_id", ondelete="CASCADE"), primary_key=True
    )
    feature: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)

    account: Mapped[Account] = relationship(back_populates="features")


class Incident(Base):
    """An incident, bound to the Slack channel where it is worked."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    # The title customers read. The internal title is often made from the channel name
    # ("inc-sev2-checkout-eu"); None means the neutral wording of
    # templates/incidents/public_title.txt.j2 until someone sets one.
    public_title: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_by: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(index=True)  # a period's incidents (metrics)
    became_major_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None]
    # Cadence milestones.
    assessed_at: Mapped[datetime | None]
    # When the impact assessment is due (its clock started); jobs only remind of it.
    assessment_due_at: Mapped[datetime | None]
    last_update_at: Mapped[datetime | None]
    prelim_report_url: Mapped[str | None] = mapped_column(String(500))
    prelim_delivered_at: Mapped[datetime | None]
    pir_url: Mapped[str | None] = mapped_column(String(500))
    pir_delivered_at: Mapped[datetime | None]
    # The live impact summary, edited in place.
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    summary_refreshed_at: Mapped[datetime | None]
    # Kept by attach in the report's own transaction (an atomic increment, and a row per
    # customer in incident_customers): reading them costs the same at 50,000 reports as at 5.
    report_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    customer_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    reports: Mapped[list[Report]] = relationship(back_populates="incident")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Report(Base):
    """A customer report attached to an incident: one ticket, owned by the agent who filed it."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    # Normalised identity used to count distinct customers (account id, else lower-cased name).
    customer_key: Mapped[str] = mapped_column(String(200))
    ticket_ref: Mapped[str | None] = mapped_column(String(300))
    ticket_url: Mapped[str | None] = mapped_column(String(500))
    region: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(32))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    product_version: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str | None] = mapped_column(String(16))
    contact_channel: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    owner_user_id: Mapped[str] = mapped_column(String(32), index=True)
    reported_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(index=True)
    first_contact_at: Mapped[datetime | None]
    # Ticket SLA.
    sla_policy: Mapped[str | None] = mapped_column(String(32))
    first_response_due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    customer_notified_at: Mapped[datetime | None]
    # How the customer was told of the resolution when it was not by hand: "zendesk",
    # "salesforce" (the help desk's public reply); None when a person told them.
    customer_notified_via: Mapped[str | None] = mapped_column(String(32))
    # Where the report came from, source-neutral (``slack:view:<view id>``,
    # ``zendesk:ticket:<id>:<updated_at>``): unique, so a replayed submission stores nothing.
    submission_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    incident: Mapped[Incident] = relationship(back_populates="reports")
    features: Mapped[list[ReportFeature]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_reports_incident_customer", "incident_id", "customer_key"),
        # The impact summary names an incident's VIPs from this index alone.
        Index(
            "ix_reports_incident_vips",
            "incident_id",
            "customer_key",
            "customer_name",
            sqlite_where=text("vip = 1"),
            postgresql_where=text("vip"),
        ),
        # Impact summary: reports per trend bar, per version, platform and customer are counted
        # from these indexes alone (see bot/services/impact/aggregate.py).
        Index("ix_reports_incident_created", "incident_id", "created_at"),
        Index("ix_reports_incident_version", "incident_id", "product_version", "customer_key"),
        Index("ix_reports_incident_platform", "incident_id", "platform", "customer_key"),
        Index(
            "ix_reports_impact_customer",
            "incident_id",
            "customer_key",
            "region",
            "tier",
            "account_id",
            "vip",
            "platform",
        ),
        # Metrics: the first contact per incident, and ticket SLA compliance per tier, are
        # read from these indexes alone (see bot/services/metrics/compute.py).
        Index("ix_reports_incident_first_contact", "incident_id", "first_contact_at"),
        Index(
            "ix_reports_incident_sla",
            "incident_id",
            "sla_policy",
            "tier",
            "first_response_due_at",
            "breached_at",
            "responded_at",
        ),
    )


class ReportFeature(Base):
    """One affected feature of a report; a table (not JSON) so the database can group by it.

    The report's incident and customer are copied here (a report never changes either) so
    the impact summary counts reports and customers per feature from one index, without
    joining every report of a large incident.
    """

    __tablename__ = "report_features"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    feature: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    # Copies, kept right by the report's own key; no foreign key of their own, so storing a
    # feature does not lock the incident's row once more (PostgreSQL checks each key).
    incident_id: Mapped[int] = mapped_column(Integer)
    customer_key: Mapped[str] = mapped_column(String(200))

    report: Mapped[Report] = relationship(back_populates="features")

    __table_args__ = (
        Index("ix_report_features_incident", "incident_id", "feature", "customer_key"),
    )


class IncidentCustomer(Base):
    """A customer who reported on an incident, and how many reports they filed there.

    Inserted with the customer's first report (insert-if-new), so the incident's customer
    count is right under concurrent reports without counting distinct keys each time.
    """

    __tablename__ = "incident_customers"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    customer_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    report_count: Mapped[int] = mapped_column(Integer)


class LiaisonAssignment(Base):
    """Who held (or was asked to hold) the Customer Liaison role on an incident, and when."""

    __tablename__ = "liaison_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    # pending -> accepted -> handed_off | replaced | released;
    # pending -> timed_out | unreachable | handed_off | replaced | released
    status: Mapped[str] = mapped_column(String(16))
    assigned_by: Mapped[str] = mapped_column(String(32))  # "auto" or the user who chose
    assigned_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    # Sequence number per incident: the unique pair makes racing auto-assignments collide.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    # The channel announcement with Accept / Hand off, edited in place when the role moves.
    announcement_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index(
            "uq_liaison_assignments_active",
            "incident_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'accepted')"),
            postgresql_where=text("status IN ('pending', 'accepted')"),
        ),
        Index("uq_liaison_assignments_attempt", "incident_id", "attempt", unique=True),
    )


class StatusUpdate(Base):
    """A status update posted to the incident channel (resets the cadence clock)."""

    __tablename__ = "status_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    affected: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    customer_message: Mapped[str] = mapped_column(Text)
    posted_by: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime]
    next_update_at: Mapped[datetime | None]
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The submission that posted it (``slack:view:<view id>``): unique, so the update form
    # submitted again (a Slack retry, a double click reaching two replicas) posts once.
    submission_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The form's "also send to reporters": linked help-desk tickets get it as a public
    # reply instead of an internal note.
    send_to_reporters: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    __table_args__ = (
        # Cadence adherence walks each incident's updates in order from this index alone.
        Index("ix_status_updates_cadence", "incident_id", "posted_at", "id", "next_update_at"),
    )


class TicketLink(Base):
    """A help-desk ticket (Zendesk, Salesforce case, generic) and the report it became.

    One row per ticket, unique on (source, external id), so redelivered webhooks and two
    replicas find the same row. ``ticket_updated_at`` is the newest ticket version applied:
    an older delivery arriving late never overwrites it. A ticket unlinked from its
    incident keeps its row (``status`` "detached"), so the history stays readable.
    """

    __tablename__ = "ticket_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="linked")  # linked | detached
    ticket_status: Mapped[str | None] = mapped_column(String(32))  # the help desk's own
    ticket_url: Mapped[str | None] = mapped_column(String(500))
    ticket_updated_at: Mapped[datetime]
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    # The resolution's public reply went out (or is on its way, in a durable job).
    resolution_sent_at: Mapped[datetime | None]
    # When that reply was delivered: the customer counts as told from then.
    resolution_told_at: Mapped[datetime | None]
    # The assignee (email; empty: unassigned) nobody in Slack matched, so the report went
    # to HELPDESK_FALLBACK_OWNER; None when the assignee owns it. Listed for the liaison.
    unmatched_assignee: Mapped[str | None] = mapped_column(String(254))
    # The last satisfaction rating recorded on the follow-up board (satisfied, neutral,
    # dissatisfied), so a redelivered ticket records it once.
    rating: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("uq_ticket_links_source_external", "source", "external_id", unique=True),
    )


class Reminder(Base):
    """A durable job (nudge, SLA warning, outgoing message); the scheduler only wakes the
    process. Written and read only through ``bot.jobs``.

    ``dedupe_key`` is unique, so the same cause scheduled twice (a Slack retry, two replicas)
    yields one row. Rows are claimed atomically, then each marked sent, cancelled or failed
    right after its side effect. ``first_claimed_at`` bounds where a reclaimed job looks
    for what an earlier attempt may already have posted.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    target: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime]
    # pending | claimed | sent | cancelled | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    first_claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_reminders_status_due", "status", "due_at"),
        # "Is a job of this kind pending for the incident?" (asked by causes on every
        # report) reads a few index entries however many jobs the incident has had.
        Index("ix_reminders_incident_kind_status", "incident_id", "kind", "status"),
    )


# The follow-up, Slack bookkeeping, status page and on-call tables live in modules of
# their own, this one being at its size limit; importing them here registers them on
# Base.metadata wherever the models are used.
from bot.followup_models import Followup, SeverityChange, SlaCredit  # noqa: E402, F401
from bot.oncall_models import JiraIssue, PagerDutyEscalation, PagerDutyIncident  # noqa: E402, F401
from bot.slack_models import HomeView, ProcessedEvent  # noqa: E402, F401
from bot.statuspage_models import (  # noqa: E402, F401
    PageEmailDelivery,
    PageEmailSubscriber,
    PageIncident,
    PageSubscriber,
    PageUpdate,
)
